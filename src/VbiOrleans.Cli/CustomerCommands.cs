using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    public const string PasswordVariable = "VBI_PASSWORD";
    public const string NewPasswordVariable = "VBI_NEW_PASSWORD";
    public const string ModuleFingerprintVariable = "VBI_MODULE_FINGERPRINT";

    private sealed partial class Commands
    {
        /// <summary>What a customer command runs with: the client (with the account's token), the CLI's directory and config.</summary>
        private sealed record CustomerRun(VbiClient Client, CliHome Home, CliConfig Config, bool Json, string Server);

        private void AddCustomerCommands(RootCommand root)
        {
            var register = new Command("register", "Create an account (or log in to yours), license a meter at a ZIP and register this client with it: a new 256-bit HMK, sealed with your password to the module's signed key. The password comes from $VBI_PASSWORD or a prompt.");
            var email = new Option<string>("--email") { Description = "Your email address (the account)", HelpName = "EMAIL" };
            var zip = new Option<string>("--zip") { Description = "The meter's licensing ZIP (5 digits): the origin printed on every indicium", HelpName = "ZIP" };
            var name = new Option<string>("--name") { Description = "Your name, for the account", HelpName = "NAME" };
            var moduleFingerprint = new Option<string>("--module-fingerprint")
            {
                Description = $"The module key's SHA-256 fingerprint (hex) to pin [default: ${ModuleFingerprintVariable}; else the key is trusted on first use and its fingerprint printed]",
                HelpName = "HEX",
            };
            var newMeter = new Option<bool>("--new-meter") { Description = "License and register another meter even if this client has one" };
            register.Options.Add(email);
            register.Options.Add(zip);
            register.Options.Add(name);
            register.Options.Add(moduleFingerprint);
            register.Options.Add(newMeter);
            register.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: false, (run, t) =>
                RegisterCustomerAsync(run, parse.GetValue(email), parse.GetValue(zip), parse.GetValue(name), parse.GetValue(moduleFingerprint), parse.GetValue(newMeter), t)));
            root.Subcommands.Add(register);

            var login = new Command("login", "Log in: a new account token, and the meter's session (the password sealed under the HMK; a wrong password ends the session). Password from $VBI_PASSWORD or a prompt.");
            var loginEmail = new Option<string>("--email") { Description = "Your email address [default: the one registered here]", HelpName = "EMAIL" };
            login.Options.Add(loginEmail);
            login.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: false, (run, t) => LoginCustomerAsync(run, parse.GetValue(loginEmail), t)));
            root.Subcommands.Add(login);

            var logout = new Command("logout", "End the meter session and revoke the account token.");
            logout.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, LogoutAsync));
            root.Subcommands.Add(logout);

            var fund = new Command("fund", "Buy postage and add it to the meter (a purchase on a payment method, then a postage value download), e.g. vbi fund 12.50.");
            var amount = new Argument<string>("AMOUNT") { Description = "Dollars in whole cents for a card (12, 12.50)" };
            var reference = new Option<string>("--payment-method") { Description = "The payment method to charge (pm_…) [default: the account's default]", HelpName = "ID" };
            var fundKey = IdempotencyOption();
            fund.Arguments.Add(amount);
            fund.Options.Add(reference);
            fund.Options.Add(fundKey);
            fund.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                FundAsync(run, parse.GetRequiredValue(amount), parse.GetValue(reference), parse.GetValue(fundKey), t)));
            root.Subcommands.Add(fund);

            var balance = new Command("balance", "The meter's registers: available (DR), printed (AR), pieces; and this client's record of them.");
            balance.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, BalanceAsync));
            root.Subcommands.Add(balance);

            var print = new Command("print", "Print postage: one label (--to --class --weight or --postage) or a CSV batch (--batch), with a progress bar. "
                + "With --to 'ONE LINE' a shipping label: both addresses are matched before anything is charged, the postage is the rate for the shipment, and the label carries a tracking number.");
            var to = new Option<string>("--to")
            {
                Description = "The recipient as one line, name first ('Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102'), for a shipping label; or a destination ZIP alone (5 digits, or ZIP+4) for a letter",
                HelpName = "ADDRESS|ZIP",
            };
            var from = new Option<string>("--from")
            {
                Description = "The sender as one line, name first [default: the account's return address, see `vbi return-address`]; with --to ZIP, the origin ZIP (the meter's licensing ZIP)",
                HelpName = "ADDRESS|ZIP",
            };
            var dims = new Option<string>("--dims") { Description = "A shipment's size, LxWxH in inches (like 12x10x4.5)", HelpName = "LxWxH" };
            var mailClass = new Option<string>("--class") { Description = "Mail class: FIRST-CLASS, PRIORITY, PRIORITY-EXPRESS, GROUND-ADVANTAGE, MEDIA, MARKETING", HelpName = "CLASS" };
            var weight = new Option<string>("--weight") { Description = "Weight in ounces; the postage comes from the server's rate table", HelpName = "OZ" };
            var postage = new Option<string>("--postage") { Description = "Postage in dollars, instead of a weight", HelpName = "AMOUNT" };
            var item = new Option<string>("--item") { Description = "Kind of item: postage, ticket, coupon, voucher, giftcertificate [default: postage]", HelpName = "KIND" };
            var format = new Option<string>("--format") { Description = "Label format: pdf, png, svg or zpl [default: pdf]", HelpName = "FORMAT" };
            var layout = new Option<string>("--layout") { Description = "label-4x6 or envelope-10 [default: label-4x6]", HelpName = "LAYOUT" };
            var dpi = new Option<int?>("--dpi") { Description = "203 or 300 [default: 300]", HelpName = "DPI" };
            var printer = new Option<string>("--printer") { Description = "A printer from `vbi printer list`: its resolution, shift and your calibration (instead of --dpi)", HelpName = "ID" };
            var output = new Option<string>("--out", "-o") { Description = "Where to write the label [default: INDICIUM-ID.EXT here]", HelpName = "FILE" };
            var batch = new Option<string>("--batch") { Description = "A CSV file: header to,class,weight (or postage) [,item,format,out]; one label per row", HelpName = "FILE.csv" };
            var outDir = new Option<string>("--out-dir") { Description = "Batch: the folder for the labels [default: beside the CSV file]", HelpName = "DIR" };
            var printKey = IdempotencyOption();
            foreach (var option in new Option[] { to, from, mailClass, weight, dims, postage, item, format, layout, dpi, printer, output, batch, outDir, printKey }) print.Options.Add(option);
            print.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) => parse.GetValue(batch) is { } file
                ? PrintBatchAsync(run, file, parse.GetValue(outDir), parse.GetValue(format), parse.GetValue(layout), parse.GetValue(dpi), parse.GetValue(printer), t)
                : PrintOneAsync(run, new PrintArguments(parse.GetValue(to), parse.GetValue(from), parse.GetValue(mailClass), parse.GetValue(weight),
                    parse.GetValue(postage), parse.GetValue(item), parse.GetValue(format), parse.GetValue(layout), parse.GetValue(dpi), parse.GetValue(output),
                    parse.GetValue(printKey)) { Dims = parse.GetValue(dims), Printer = parse.GetValue(printer) }, t)));
            root.Subcommands.Add(print);

            var returnAddress = new Command("return-address", "Set the account's return address, the sender of shipping labels that name none: one line, name first, matched by the server (exact matches only). Without ADDRESS, show it; --clear removes it.");
            var returnLine = new Argument<string?>("ADDRESS") { Description = "e.g. 'Acme Shop, 350 5th Ave, New York NY 10001'", Arity = ArgumentArity.ZeroOrOne };
            var clear = new Option<bool>("--clear") { Description = "Remove the return address" };
            returnAddress.Arguments.Add(returnLine);
            returnAddress.Options.Add(clear);
            returnAddress.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                ReturnAddressAsync(run, parse.GetValue(returnLine), parse.GetValue(clear), t)));
            root.Subcommands.Add(returnAddress);

            var refund = new Command("refund", "Refund an unused indicium within the refund window: its postage goes back to the meter.");
            var refundId = new Argument<string>("ID") { Description = "The indicium id, e.g. m-…-7" };
            var refundKey = IdempotencyOption();
            refund.Arguments.Add(refundId);
            refund.Options.Add(refundKey);
            refund.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                RefundAsync(run, parse.GetRequiredValue(refundId), parse.GetValue(refundKey), t)));
            root.Subcommands.Add(refund);

            var verify = new Command("verify", "Verify an indicium (signature, certificate chain, our records, refunds). Exit 0 when valid, 6 when not.");
            var verifyFile = new Argument<string>("FILE") { Description = "The indicium: raw bytes, base64 text, or the JSON of vbi print --json" };
            verify.Arguments.Add(verifyFile);
            verify.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: false, (run, t) => VerifyAsync(run, parse.GetRequiredValue(verifyFile), t)));
            root.Subcommands.Add(verify);

            var history = new Command("history", "The meter's transactions, newest first.");
            var limit = new Option<int?>("--limit") { Description = "How many [default: 50, at most 200]", HelpName = "N" };
            history.Options.Add(limit);
            history.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) => HistoryAsync(run, parse.GetValue(limit), t)));
            root.Subcommands.Add(history);

            var label = new Command("label", "Download the label of an indicium again (any format).");
            var labelId = new Argument<string>("ID") { Description = "The indicium id, e.g. m-…-7" };
            var labelFormat = new Option<string>("--format") { Description = "pdf, png, svg or zpl [default: pdf]", HelpName = "FORMAT" };
            var labelOut = new Option<string>("--out", "-o") { Description = "Where to write it [default: its file name here]", HelpName = "FILE" };
            var labelPrinter = new Option<string>("--printer") { Description = "A printer from `vbi printer list`: its resolution, shift and your calibration", HelpName = "ID" };
            label.Arguments.Add(labelId);
            label.Options.Add(labelFormat);
            label.Options.Add(labelOut);
            label.Options.Add(labelPrinter);
            label.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                LabelAsync(run, parse.GetRequiredValue(labelId), parse.GetValue(labelFormat), parse.GetValue(labelPrinter), parse.GetValue(labelOut), t)));
            root.Subcommands.Add(label);

            var password = new Command("password", $"Change the meter password (current from ${PasswordVariable}, new from ${NewPasswordVariable}, or prompts). The last passwords are refused.");
            password.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, ChangePasswordAsync));
            root.Subcommands.Add(password);
        }

        private static Option<string> IdempotencyOption() => new("--idempotency-key")
        {
            Description = "Reuse this key to retry a request safely (the server answers a retry with the first result) [default: a new key]",
            HelpName = "KEY",
        };

        private sealed record PrintArguments(string? To, string? From, string? MailClass, string? Weight, string? Postage, string? Item, string? Format,
            string? Layout, int? Dpi, string? Out, string? Key)
        {
            public string? Dims { get; init; }

            /// <summary>A printer of the table: the label at its resolution, moved by its shift and the customer's calibration.</summary>
            public string? Printer { get; init; }
        }

        // ---- running ---------------------------------------------------------------------------------------------

        private async Task<int> CustomerAsync(ParseResult parse, CancellationToken cancellationToken, bool needsToken,
            Func<CustomerRun, CancellationToken, Task<int>> command)
        {
            CliHome home;
            CliConfig config;
            try
            {
                home = CliHome.Resolve(_env);
                config = home.Load();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                return Usage($"cannot read the vbi configuration: {e.Message}");
            }
            var server = parse.GetValue(_server) ?? NullIfBlank(_env.GetVariable(ServerVariable)) ?? config.Server ?? VbiClientOptions.DefaultBaseAddress.AbsoluteUri;
            if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
                return Usage($"--server must be an absolute http:// or https:// URL, not '{server}'");
            if (needsToken && config.Token is null)
            {
                _err.WriteLine("error: not logged in here; run `vbi register` (new customer) or `vbi login`");
                return ExitCodes.LoginRequired;
            }
            var options = new VbiClientOptions { Product = ClientHeader.CliProduct, ProductVersion = CliVersion, BaseAddress = address, Timeout = _env.Timeout, CustomerToken = config.Token };
            using var client = _env.HttpHandler is null ? new VbiClient(options) : new VbiClient(options, _env.HttpHandler, disposeHandler: false);
            try
            {
                var exit = await command(new CustomerRun(client, home, config, parse.GetValue(_json), server), cancellationToken);
                await NoticeNewerVersionAsync(client, home, cancellationToken);
                return exit;
            }
            catch (VbiApiException e)
            {
                _err.WriteLine($"error {e.Code}: {OneLine(e.Detail ?? e.Title ?? e.Message)}");
                if (VbiErrorCodes.NeedsLogin(e.Code)) _err.WriteLine("hint: run `vbi login`");
                if (e.Code == VbiErrorCodes.ClientUpgradeRequired) _err.WriteLine(UpgradeHint(e));
                if (e.Code == VbiErrorCodes.RegistersMismatch) _err.WriteLine("hint: this client took the meter's registers from the module's signed answer; run the command again");
                return ExitCodes.ForCustomer(e);
            }
            catch (IOException e)
            {
                _err.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
        }

        private string? Secret(string variable, string prompt) => NullIfBlank(_env.GetVariable(variable)) ?? _env.ReadSecret(prompt);

        private MeterSession? OpenSession(CustomerRun run, out int exit)
        {
            exit = ExitCodes.Ok;
            if (run.Config.MeterId is not { } meterId)
            {
                _err.WriteLine("error: no meter is registered here; run `vbi register`");
                exit = ExitCodes.LoginRequired;
                return null;
            }
            var hmk = run.Home.ReadHmk(meterId);
            var state = run.Home.ReadSession(meterId);
            if (hmk is null || state is null)
            {
                _err.WriteLine(hmk is null ? $"error: this machine has no HMK for meter {meterId}" : $"error: meter {meterId} has no open session here; run `vbi login`");
                exit = ExitCodes.LoginRequired;
                return null;
            }
            return run.Client.ResumeMeterSession(meterId, hmk, state);
        }

        /// <summary>Runs a money-moving request on the session and keeps the chain's new state, whatever the outcome.</summary>
        private async Task<int> WithSessionAsync(CustomerRun run, Func<MeterSession, Task<int>> action)
        {
            using var session = OpenSession(run, out var exit);
            if (session is null) return exit;
            try
            {
                return await action(session);
            }
            finally
            {
                run.Home.WriteSession(session.MeterId, session.State);
            }
        }

        // ---- register, login, logout -----------------------------------------------------------------------------

        private async Task<int> RegisterCustomerAsync(CustomerRun run, string? emailOption, string? zip, string? name, string? fingerprint, bool newMeter,
            CancellationToken cancellationToken)
        {
            var config = run.Config;
            var email = NullIfBlank(emailOption) ?? config.Email;
            if (email is null) return Usage("--email is required");
            if (zip is null || zip.Length != 5 || !zip.All(char.IsAsciiDigit)) return Usage("--zip is the meter's 5-digit licensing ZIP");
            var password = Secret(PasswordVariable, "password: ");
            if (password is null) return Usage($"a password is needed: set {PasswordVariable} or run in a terminal");
            var policy = VbiOrleans.Protocol.Passwords.PasswordPolicy.Check(password);
            if (policy != VbiOrleans.Protocol.Passwords.PasswordPolicyViolation.None)
                return Usage($"the password is refused ({policy}): at least 10 characters, at most 128, not one character repeated");

            // The account: a new one, or the existing one with this password.
            CustomerSession account;
            try
            {
                account = await run.Client.SignUpAsync(email, password, name, cancellationToken);
            }
            catch (VbiApiException e) when (e.Code == VbiErrorCodes.EmailTaken)
            {
                account = await run.Client.LogInAsync(email, password, cancellationToken);
            }
            config.Server = run.Server;
            config.Email = account.Customer.Email;
            config.CustomerId = account.Customer.CustomerId;
            config.Token = account.Token;
            config.TokenExpiresAt = account.ExpiresAt;
            config.PendingLicenseKey ??= VbiClient.NewIdempotencyKey();
            run.Home.Save(config);

            var options = new VbiClientOptions { Product = ClientHeader.CliProduct, ProductVersion = CliVersion, BaseAddress = run.Client.BaseAddress, Timeout = _env.Timeout, CustomerToken = account.Token };
            using var client = _env.HttpHandler is null ? new VbiClient(options) : new VbiClient(options, _env.HttpHandler, disposeHandler: false);
            MeterInfo? meter = null;
            if (config.MeterId is { } existing && !newMeter && account.Customer.MeterIds.Contains(existing))
            {
                // A registration that stopped half way (licensed, not yet registered) resumes with this meter.
                meter = await client.GetMeterAsync(existing, cancellationToken);
                if (meter.State != "Licensed")
                    return Usage($"this client already has meter {existing} ({meter.State}); run `vbi login`, or add --new-meter to register another");
            }
            meter ??= await client.LicenseMeterAsync(zip, config.PendingLicenseKey, cancellationToken);
            config.MeterId = meter.MeterId;
            config.LicensingZip = meter.LicensingZip;
            run.Home.Save(config);

            // The module key: pinned before, or checked against a fingerprint given out of band, or trusted on first use.
            var identity = await client.GetModuleIdentityAsync(cancellationToken);
            var expected = NullIfBlank(fingerprint) ?? NullIfBlank(_env.GetVariable(ModuleFingerprintVariable));
            byte[] moduleKey;
            if (config.ModuleKey is { } pinned)
            {
                moduleKey = Convert.FromBase64String(pinned);
            }
            else
            {
                moduleKey = Convert.FromBase64String(identity.PublicKey);
                var actual = Convert.ToHexStringLower(SHA256.HashData(moduleKey));
                if (expected is not null && !string.Equals(expected.Replace(":", "", StringComparison.Ordinal), actual, StringComparison.OrdinalIgnoreCase))
                {
                    _err.WriteLine($"error: the server's module key has fingerprint {actual}, not {expected}; nothing was sent");
                    return ExitCodes.Refused;
                }
                if (expected is null) _err.WriteLine($"pinned the module key on first use: SHA-256 {actual} (compare it with the one your provider publishes)");
                config.ModuleKey = identity.PublicKey;
                run.Home.Save(config);
            }

            // The HMK is stored (mode 0600) before it is sent, so a registration never leaves a key nobody kept.
            var hmk = RegistrationClient.NewHmk();
            run.Home.WriteHmk(meter.MeterId, hmk);
            await client.RegisterMeterAsync(meter.MeterId, password, moduleKey, hmk, cancellationToken);
            config.PendingLicenseKey = null;
            run.Home.Save(config);
            var registered = await client.GetMeterAsync(meter.MeterId, cancellationToken);
            if (run.Json)
            {
                WriteJson(new { customer = account.Customer, meter = registered, hmkFile = run.Home.HmkPath(meter.MeterId), moduleKeyFingerprint = Convert.ToHexStringLower(SHA256.HashData(moduleKey)) });
                return ExitCodes.Ok;
            }
            _out.WriteLine($"registered meter {registered.MeterId} (licensing ZIP {registered.LicensingZip}) for {account.Customer.Email}");
            _out.WriteLine($"HMK kept in {run.Home.HmkPath(meter.MeterId)} (mode 0600); next: vbi login");
            return ExitCodes.Ok;
        }

        private async Task<int> LoginCustomerAsync(CustomerRun run, string? emailOption, CancellationToken cancellationToken)
        {
            var config = run.Config;
            var email = NullIfBlank(emailOption) ?? config.Email;
            if (email is null) return Usage("--email is required (no account is registered here)");
            var password = Secret(PasswordVariable, "password: ");
            if (password is null) return Usage($"a password is needed: set {PasswordVariable} or run in a terminal");
            var account = await run.Client.LogInAsync(email, password, cancellationToken);
            config.Server = run.Server;
            config.Email = account.Customer.Email;
            config.CustomerId = account.Customer.CustomerId;
            config.Token = account.Token;
            config.TokenExpiresAt = account.ExpiresAt;
            run.Home.Save(config);
            if (config.MeterId is not { } meterId || run.Home.ReadHmk(meterId) is not { } hmk)
            {
                _out.WriteLine($"logged in as {account.Customer.Email}; no meter is registered on this machine (vbi register)");
                return ExitCodes.Ok;
            }
            var options = new VbiClientOptions { Product = ClientHeader.CliProduct, ProductVersion = CliVersion, BaseAddress = run.Client.BaseAddress, Timeout = _env.Timeout, CustomerToken = account.Token };
            using var client = _env.HttpHandler is null ? new VbiClient(options) : new VbiClient(options, _env.HttpHandler, disposeHandler: false);
            run.Home.DeleteSession(meterId);
            using var session = await client.OpenMeterSessionAsync(meterId, hmk, password, cancellationToken);
            run.Home.WriteSession(meterId, session.State);
            if (run.Json)
            {
                WriteJson(new { customer = account.Customer, meterId, ascendingMills = session.AscendingMills, descendingMills = session.DescendingMills });
                return ExitCodes.Ok;
            }
            _out.WriteLine($"logged in as {account.Customer.Email}; meter {meterId} session open");
            _out.WriteLine($"available {session.DescendingMills.ToDollars()}  printed {session.AscendingMills.ToDollars()}");
            return ExitCodes.Ok;
        }

        private async Task<int> LogoutAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            if (run.Config.MeterId is { } meterId)
            {
                run.Home.DeleteSession(meterId);
            }
            try
            {
                await run.Client.LogOutAsync(cancellationToken);
            }
            catch (VbiApiException e) when (VbiErrorCodes.NeedsLogin(e.Code))
            {
                // Already refused: nothing to revoke.
            }
            run.Config.Token = null;
            run.Config.TokenExpiresAt = null;
            run.Home.Save(run.Config);
            _out.WriteLine("logged out");
            return ExitCodes.Ok;
        }

        // ---- money ---------------------------------------------------------------------------------------------

        private Task<int> FundAsync(CustomerRun run, string amount, string? paymentMethod, string? key, CancellationToken cancellationToken)
        {
            if (!Money.TryParseDollars(amount, out var mills)) return Task.FromResult(Usage($"'{amount}' is not an amount in dollars like 12.50 (at most three decimals)"));
            if (mills <= 0) return Task.FromResult(Usage("the amount must be more than $0"));
            return WithSessionAsync(run, async session =>
            {
                var idempotencyKey = NullIfBlank(key) ?? VbiClient.NewIdempotencyKey();
                var result = await session.BuyAsync(mills, NullIfBlank(paymentMethod), idempotencyKey, cancellationToken);
                if (run.Json) WriteJson(result);
                else _out.WriteLine($"funded {result.AmountMills.ToDollars()}: available {result.Meter.Descending}, printed {result.Meter.Ascending} (sequence {result.Sequence})");
                return ExitCodes.Ok;
            });
        }

        private async Task<int> BalanceAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            if (run.Config.MeterId is not { } meterId)
            {
                _err.WriteLine("error: no meter is registered here; run `vbi register`");
                return ExitCodes.LoginRequired;
            }
            var meter = await run.Client.GetMeterAsync(meterId, cancellationToken);
            var record = run.Home.ReadSession(meterId);
            if (run.Json)
            {
                WriteJson(new { meter, client = record is null ? null : new { ascendingMills = record.AscendingMills, descendingMills = record.DescendingMills } });
                return ExitCodes.Ok;
            }
            WriteTable(
            [
                ["meter", $"{meter.MeterId} ({meter.State}, licensing ZIP {meter.LicensingZip})"],
                ["available (DR)", meter.Descending],
                ["printed (AR)", meter.Ascending],
                ["pieces", meter.PieceCount.ToString(CultureInfo.InvariantCulture)],
                ["this client's record", record is null ? "no session (vbi login)" : $"DR {record.DescendingMills.ToDollars()}, AR {record.AscendingMills.ToDollars()}"],
            ], rightAligned: -1);
            return ExitCodes.Ok;
        }

        private async Task<int> PrintOneAsync(CustomerRun run, PrintArguments a, CancellationToken cancellationToken)
        {
            if (a.To is null || a.MailClass is null) return Usage("print needs --to ZIP and --class CLASS, and --weight OZ or --postage AMOUNT (or --batch FILE.csv)");
            if (a.Printer is not null && a.Dpi is not null) return Usage("--printer sets the resolution: give --printer or --dpi, not both");
            if (!IsZip(a.To)) return await PrintShipmentAsync(run, a, cancellationToken);
            if (a.Dims is not null) return Usage("--dims goes with a shipment: give --to as the recipient's address ('Jane Roe, 1 Main St, City ST 12345')");
            if (a.From is { } from && !IsZip(from)) return Usage("--from as an address goes with --to as an address; with --to ZIP, --from is the origin ZIP");
            if (a.From is { } fromZip && run.Config.LicensingZip is { } licensed && fromZip != licensed)
                return Usage($"the meter is licensed at {licensed}: the indicium carries the licensing ZIP, so --from must be {licensed}");
            if (a.Format is { } f && f.ToLowerInvariant() is not ("pdf" or "png" or "svg" or "zpl")) return Usage($"--format '{f}' is not one of pdf, png, svg, zpl");
            var postage = await PostageAsync(run, a.From ?? run.Config.LicensingZip, a.To, a.MailClass, a.Weight, a.Postage, cancellationToken);
            if (postage is not { } mills) return ExitCodes.Usage;
            return await WithSessionAsync(run, async session =>
            {
                var result = await session.PrintAsync(new PrintOrder(mills, a.To, a.MailClass.ToUpperInvariant(), a.Item ?? "postage"),
                    new LabelOptions(a.Format?.ToLowerInvariant(), a.Layout, a.Printer, a.Printer is null ? a.Dpi : null), NullIfBlank(a.Key), cancellationToken);
                var path = WriteLabel(result, a.Out, null);
                if (run.Json) WriteJson(new { print = result with { Label = result.Label! with { Data = "" } }, labelFile = path });
                else _out.WriteLine($"printed {result.IndiciumId}: {result.Amount} {a.MailClass.ToUpperInvariant()} to {a.To}, label {path}; available {result.Meter.Descending}");
                return ExitCodes.Ok;
            });
        }

        private static bool IsZip(string text) => BatchFile.IsZip(text);

        /// <summary>
        /// A shipping label: the recipient (and the sender, or the account's return address) matched by the server before
        /// anything is charged, the rate for the shipment (or --postage, which the server checks is not below it), and the
        /// shipment signed with the print. An address that does not match exactly is reported with the candidate offered.
        /// </summary>
        private async Task<int> PrintShipmentAsync(CustomerRun run, PrintArguments a, CancellationToken cancellationToken)
        {
            var mailClass = a.MailClass!.ToUpperInvariant();
            if (a.Weight is null || ShipmentUnits.ParseWeightOz(a.Weight) is not { } tenths)
                return Usage("a shipping label needs --weight OZ: ounces with at most one decimal, more than 0 and at most 1120 (70 lb)");
            IReadOnlyList<int>? sides = null;
            if (a.Dims is not null && (sides = ShipmentUnits.ParseDims(a.Dims)) is null)
                return Usage($"--dims '{a.Dims}' is not LxWxH in inches (like 12x10x4.5), each more than 0 and at most 108");
            if (a.Format is { } f && f.ToLowerInvariant() is not ("pdf" or "png" or "svg" or "zpl")) return Usage($"--format '{f}' is not one of pdf, png, svg, zpl");
            var shipment = await ShipmentAsync(run, a.To!, a.From, tenths, sides, a.Weight, a.Dims, mailClass, cancellationToken);
            if (shipment.Error is { } error)
            {
                _err.WriteLine($"error: {error}; nothing was charged");
                return ExitCodes.Refused;
            }
            var (order, toLine) = (shipment.Order!, shipment.ToLine!);
            if (a.Postage is not null)
            {
                if (!Money.TryParseDollars(a.Postage, out var mills) || mills <= 0) return Usage($"--postage '{a.Postage}' is not an amount in dollars like 9.35");
                order = order with { PostageMills = mills };
            }
            return await WithSessionAsync(run, async session =>
            {
                var result = await session.PrintAsync(order, new LabelOptions(a.Format?.ToLowerInvariant(), a.Layout, a.Printer, a.Printer is null ? a.Dpi : null), NullIfBlank(a.Key), cancellationToken);
                var path = WriteLabel(result, a.Out, null);
                if (run.Json) WriteJson(new { print = result with { Label = result.Label! with { Data = "" } }, labelFile = path });
                else _out.WriteLine($"printed {result.IndiciumId}: {result.Amount} {mailClass} to {toLine}, tracking {result.TrackingNumber}, label {path}; available {result.Meter.Descending}");
                return ExitCodes.Ok;
            });
        }

        /// <summary>A shipment's print order, or why there is none and its code (the server's, or NoSender).</summary>
        private sealed record ShipmentOrder(PrintOrder? Order, string? ToLine, string? Error, string? Code = null);

        /// <summary>The print order of a shipment (postage: the server's rate), or why there is none; nothing is charged here.</summary>
        private async Task<ShipmentOrder> ShipmentAsync(CustomerRun run, string toLine, string? fromLine, int tenths, IReadOnlyList<int>? sides, string weightOz,
            string? dims, string mailClass, CancellationToken cancellationToken)
        {
            var to = await MatchAsync(run, toLine, "to", cancellationToken);
            if (to.Error is not null) return new ShipmentOrder(null, null, to.Error, to.Code);
            ShipmentAddress from;
            if (fromLine is not null)
            {
                if (IsZip(fromLine)) return new ShipmentOrder(null, null, "from: give the sender as one line, name first, not a ZIP", VbiErrorCodes.ValidationFailed);
                var matched = await MatchAsync(run, fromLine, "from", cancellationToken);
                if (matched.Error is not null) return new ShipmentOrder(null, null, matched.Error, matched.Code);
                from = matched.Address!;
            }
            else if ((await run.Client.GetMeAsync(cancellationToken)).ReturnAddress is { } returnAddress) from = returnAddress;
            else return new ShipmentOrder(null, null, "no sender: give --from 'NAME, STREET, CITY ST ZIP' or set the account's return address (vbi return-address 'ONE LINE')", "NoSender");
            var quote = await run.Client.GetRatesAsync(new RateRequest(from.Zip5, to.Address!.Zip5, weightOz, dims, mailClass), cancellationToken);
            var order = new PrintOrder(quote.Quotes[0].PostageMills, to.Address.Zip5, mailClass) { Shipment = new Shipment(from, to.Address, tenths, sides) };
            return new ShipmentOrder(order, $"{to.Address.Name}, {to.Address.Street}, {to.Address.LastLine}", null);
        }

        private sealed record Matched(ShipmentAddress? Address, string? Error, string? Code = null);

        /// <summary>One line matched by the server: the exact candidate, or why not (no match, or the correction it offers).</summary>
        private static async Task<Matched> MatchAsync(CustomerRun run, string line, string what, CancellationToken cancellationToken)
        {
            AddressMatchResult match;
            try
            {
                match = await run.Client.MatchAddressAsync(line, cancellationToken);
            }
            catch (VbiApiException e) when (e.Code is VbiErrorCodes.AddressNotMatched or VbiErrorCodes.AddressIncomplete or VbiErrorCodes.AddressLineTooLong
                or VbiErrorCodes.UnknownState)
            {
                return new Matched(null, $"{what}: {e.Code}: {OneLine(e.Detail ?? e.Message)}", e.Code);
            }
            var best = match.Candidates[0];
            if (best.Type != "Exact")
                return new Matched(null, $"{what}: AddressNotMatched: '{line}' is not exact; did you mean '{best.Address.OneLine}'?", VbiErrorCodes.AddressNotMatched);
            try
            {
                return new Matched(ShipmentAddress.FromCandidate(best.Address), null);
            }
            catch (ArgumentException e)
            {
                return new Matched(null, $"{what}: {e.Message.Split(" (Parameter", 2)[0]}", VbiErrorCodes.ValidationFailed);
            }
        }

        private async Task<int> ReturnAddressAsync(CustomerRun run, string? line, bool clear, CancellationToken cancellationToken)
        {
            if (clear && line is not null) return Usage("give ADDRESS or --clear, not both");
            var profile = line is null && !clear
                ? await run.Client.GetMeAsync(cancellationToken)
                : await run.Client.SetReturnAddressAsync(clear ? null : line, cancellationToken);
            var a = profile.ReturnAddress;
            if (run.Json) WriteJson(new { returnAddress = a });
            else _out.WriteLine(a is null ? "no return address" : $"return address: {string.Join(", ", new[] { a.Name, a.Company, a.Street, a.Street2, a.LastLine }.Where(p => !string.IsNullOrEmpty(p)))}");
            return ExitCodes.Ok;
        }

        private async Task<int> PrintBatchAsync(CustomerRun run, string file, string? outDir, string? format, string? layout, int? dpi, string? printer,
            CancellationToken cancellationToken)
        {
            string text;
            byte[] raw;
            try
            {
                raw = await File.ReadAllBytesAsync(file, cancellationToken);
                text = System.Text.Encoding.UTF8.GetString(raw);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Usage($"cannot read {file}: {e.Message}");
            }
            var (rows, errors) = BatchFile.Parse(text);
            if (errors.Count > 0)
            {
                foreach (var error in errors) _err.WriteLine($"error: {file}: {error}");
                return ExitCodes.Usage;
            }
            var folder = outDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
            Directory.CreateDirectory(folder);
            // Keys derive from the file's bytes and the row: running the same file again after an interruption prints nothing twice.
            var batchId = Convert.ToHexStringLower(SHA256.HashData(raw))[..16];
            var results = new List<object>();
            var failed = 0;
            return await WithSessionAsync(run, async session =>
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    var row = rows[i];
                    Progress(i, rows.Count, run.Json);
                    try
                    {
                        PrintOrder order;
                        if (row.IsShipment)
                        {
                            // Matched before anything is charged: a row whose address does not match is reported, and the next rows go on.
                            var shipment = await ShipmentAsync(run, row.To, row.From, ShipmentUnits.ParseWeightOz(row.WeightOz)!.Value,
                                row.Dims is null ? null : ShipmentUnits.ParseDims(row.Dims), row.WeightOz!, row.Dims, row.MailClass, cancellationToken);
                            if (shipment.Error is { } error)
                            {
                                failed++;
                                results.Add(new { line = row.Line, error = shipment.Code, detail = error });
                                if (!run.Json) _err.WriteLine($"\nline {row.Line}: error: {error}; nothing was charged");
                                continue;
                            }
                            order = row.PostageMills is { } given ? shipment.Order! with { PostageMills = given } : shipment.Order!;
                        }
                        else
                        {
                            var mills = row.PostageMills ?? await RateAsync(run, run.Config.LicensingZip, row.To, row.MailClass, row.WeightOz!, cancellationToken);
                            order = new PrintOrder(mills, row.To, row.MailClass, row.ItemKind);
                        }
                        var result = await session.PrintAsync(order,
                            new LabelOptions(row.Format ?? format?.ToLowerInvariant(), layout, printer, printer is null ? dpi : null), $"batch-{batchId}-{row.Line}", cancellationToken);
                        var path = WriteLabel(result, row.Out is null ? null : Path.Combine(folder, row.Out), folder);
                        results.Add(new { line = row.Line, indiciumId = result.IndiciumId, postageMills = result.AmountMills, trackingNumber = result.TrackingNumber, labelFile = path });
                    }
                    catch (VbiApiException e)
                    {
                        failed++;
                        results.Add(new { line = row.Line, error = e.Code, detail = e.Detail });
                        if (!run.Json) _err.WriteLine($"\nline {row.Line}: error {e.Code}: {OneLine(e.Detail ?? e.Message)}");
                        if (VbiErrorCodes.NeedsLogin(e.Code)) break;
                    }
                }
                Progress(rows.Count, rows.Count, run.Json);
                if (!run.Json) _err.WriteLine();
                if (run.Json) WriteJson(results);
                else _out.WriteLine($"printed {rows.Count - failed} of {rows.Count} labels into {folder}");
                return failed == 0 ? ExitCodes.Ok : ExitCodes.Partial;
            });
        }

        private void Progress(int done, int total, bool json)
        {
            if (json) return;
            const int width = 30;
            var filled = total == 0 ? width : done * width / total;
            _err.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
        }

        private async Task<long?> PostageAsync(CustomerRun run, string? from, string to, string mailClass, string? weight, string? postage, CancellationToken cancellationToken)
        {
            if (postage is not null)
            {
                if (!Money.TryParseDollars(postage, out var mills) || mills <= 0)
                {
                    Usage($"--postage '{postage}' is not an amount in dollars like 0.78");
                    return null;
                }
                return mills;
            }
            if (weight is null)
            {
                Usage("give --weight OZ (rated by the server) or --postage AMOUNT");
                return null;
            }
            if (from is null)
            {
                Usage("rating a weight needs the origin: give --from ZIP (the meter's licensing ZIP) or --postage AMOUNT");
                return null;
            }
            return await RateAsync(run, from, to, mailClass, weight, cancellationToken);
        }

        /// <summary>The postage for a class and weight between the meter's licensing ZIP and the destination, from the server's price table.</summary>
        private static async Task<long> RateAsync(CustomerRun run, string? from, string to, string mailClass, string weight, CancellationToken cancellationToken)
        {
            // The indicium's origin is the licensing ZIP; a configuration written before it was kept has none, and the server says so.
            var quote = await run.Client.GetRatesAsync(new RateRequest(from ?? "", to.Length > 5 ? to[..5] : to, weight, MailClass: mailClass), cancellationToken);
            return quote.Quotes[0].PostageMills;
        }

        private static string WriteLabel(TransactionResult result, string? path, string? folder)
        {
            var label = result.Label!;
            var target = path ?? Path.Combine(folder ?? Directory.GetCurrentDirectory(), label.FileName);
            File.WriteAllBytes(target, label.Bytes());
            return target;
        }

        private Task<int> RefundAsync(CustomerRun run, string indiciumId, string? key, CancellationToken cancellationToken) =>
            WithSessionAsync(run, async session =>
            {
                var result = await session.RefundAsync(indiciumId, NullIfBlank(key), cancellationToken);
                if (run.Json) WriteJson(result);
                else _out.WriteLine($"refunded {indiciumId}: {result.Amount} back; available {result.Meter.Descending}");
                return ExitCodes.Ok;
            });

        // ---- verify, history, label, password ----------------------------------------------------------------------

        private async Task<int> VerifyAsync(CustomerRun run, string file, CancellationToken cancellationToken)
        {
            byte[]? bytes;
            try
            {
                bytes = IndiciumFile.Read(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Usage($"cannot read {file}: {e.Message}");
            }
            if (bytes is null || bytes.Length == 0) return Usage($"{file} holds no indicium (raw bytes, base64, or the JSON of vbi print --json)");
            var result = await run.Client.VerifyIndiciumAsync(bytes, cancellationToken: cancellationToken);
            if (run.Json)
            {
                WriteJson(result);
            }
            else
            {
                _out.WriteLine(result.Valid ? "VALID" : "NOT VALID");
                if (result.Indicium is { } i)
                    _out.WriteLine($"  {i.Postage} {i.MailClass} from {i.LicensingZip} to {i.DestinationZip} on {i.DateOfMailing:yyyy-MM-dd}, piece {i.PieceCounter}, certificate {i.CertificateSerial}");
                foreach (var check in result.Checks) _out.WriteLine($"  {check.Check,-12} {check.Status,-7} {OneLine(check.Message)}");
            }
            return result.Valid ? ExitCodes.Ok : ExitCodes.Invalid;
        }

        private async Task<int> HistoryAsync(CustomerRun run, int? limit, CancellationToken cancellationToken)
        {
            if (run.Config.MeterId is not { } meterId)
            {
                _err.WriteLine("error: no meter is registered here; run `vbi register`");
                return ExitCodes.LoginRequired;
            }
            var page = await run.Client.GetHistoryAsync(meterId, limit, cancellationToken: cancellationToken);
            if (run.Json)
            {
                WriteJson(page);
                return ExitCodes.Ok;
            }
            if (page.Entries.Count == 0)
            {
                _out.WriteLine("no transactions yet");
                return ExitCodes.Ok;
            }
            var table = new List<string[]> { new[] { "SEQ", "TIME (UTC)", "KIND", "AMOUNT", "AVAILABLE", "DETAIL" } };
            table.AddRange(page.Entries.Select(e => new[]
            {
                e.Sequence.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Kind, e.Amount,
                e.DescendingMills.ToDollars(),
                e.Kind == "print"
                    ? $"{e.IndiciumId} {e.MailClass} to {(e.Shipment is { } shipped ? $"{shipped.RecipientName}, {shipped.RecipientCity} {shipped.RecipientState} {shipped.RecipientZip}, {shipped.WeightOz} oz, tracking {shipped.TrackingNumber}" : e.DestinationZip)}{(e.Refunded ? " (refunded)" : "")}"
                    : e.Reference ?? "",
            }));
            WriteTable(table, rightAligned: -1);
            return ExitCodes.Ok;
        }

        private async Task<int> LabelAsync(CustomerRun run, string indiciumId, string? format, string? printer, string? output, CancellationToken cancellationToken)
        {
            if (run.Config.MeterId is not { } meterId)
            {
                _err.WriteLine("error: no meter is registered here; run `vbi register`");
                return ExitCodes.LoginRequired;
            }
            var label = await run.Client.GetLabelAsync(meterId, indiciumId, new LabelOptions(format?.ToLowerInvariant(), Printer: printer), cancellationToken);
            var path = output ?? Path.Combine(Directory.GetCurrentDirectory(), label.FileName);
            await File.WriteAllBytesAsync(path, label.Bytes(), cancellationToken);
            if (run.Json) WriteJson(new { indiciumId, labelFile = path, label.ContentType });
            else _out.WriteLine($"label of {indiciumId} written to {path}");
            return ExitCodes.Ok;
        }

        private async Task<int> ChangePasswordAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            if (run.Config.MeterId is not { } meterId || run.Home.ReadHmk(meterId) is not { } hmk)
            {
                _err.WriteLine("error: no meter is registered here; run `vbi register`");
                return ExitCodes.LoginRequired;
            }
            var current = Secret(PasswordVariable, "current password: ");
            var next = Secret(NewPasswordVariable, "new password: ");
            if (current is null || next is null) return Usage($"set {PasswordVariable} and {NewPasswordVariable}, or run in a terminal");
            if (VbiOrleans.Protocol.Passwords.PasswordPolicy.Check(next) is var policy and not VbiOrleans.Protocol.Passwords.PasswordPolicyViolation.None)
                return Usage($"the new password is refused ({policy}): at least 10 characters, at most 128, not one character repeated");
            await run.Client.ChangeMeterPasswordAsync(meterId, hmk, current, next, cancellationToken);
            _out.WriteLine($"the password of meter {meterId} is changed");
            return ExitCodes.Ok;
        }
    }
}
