using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.ProviderFiles.Licensing;
using VbiOrleans.Domain.ProviderFiles.Resetting;

namespace VbiOrleans.Domain.Tests.ProviderFiles;

/// <summary>The provider files' layouts (docs/provider-files.md): written, read back, refused when altered.</summary>
public sealed class ProviderFileFormatTests
{
    private static readonly DateOnly Day = new(2026, 12, 7);
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static ResettingReport Report(bool reversed = false)
    {
        List<ResettingTransaction> transactions =
        [
            new("m-00000001", 1, ResettingKind.Licence, Noon, 0, 0, 0, "mod-01", "10001", ""),
            new("m-00000001", 3, ResettingKind.Pvd, Noon.AddMinutes(1), 100_000, 0, 100_000, "mod-01", "", "pur_1|odd\nref"),
            new("m-00000001", 6, ResettingKind.Refund, Noon.AddMinutes(3), 400, 1_230, 98_770, "mod-02", "", "m-00000001-4"),
            new("m-00000002", 4, ResettingKind.Withdrawal, Noon.AddMinutes(2), 49_270, 730, 0, "mod-01", "", ""),
        ];
        List<MeterRegistersAtClose> meters = [new("m-00000001", 6, 1_230, 98_770, Noon.AddMinutes(3)), new("m-00000002", 4, 730, 0, Noon.AddMinutes(2))];
        if (reversed)
        {
            transactions.Reverse();
            meters.Reverse();
        }
        return new ResettingReport("vbi", Day, transactions, meters,
            [new ModuleUse("mod-01", 5, 150_000, 730, Noon, Noon.AddMinutes(2))],
            [new DeviceAuditEvent("mod-02", "m-00000001", 5, "ROLLBACK", Noon.AddMinutes(2), "rolled back 5")]);
    }

    [Fact]
    public void A_resetting_report_reads_back_with_its_totals_and_the_same_report_always_writes_the_same_bytes()
    {
        var bytes = Report().Write();
        Assert.Equal(bytes, Report(reversed: true).Write());
        var read = ResettingReport.Parse(bytes);
        Assert.True(read.IsSuccess, read.Error?.Message);
        var totals = read.Value.Totals;
        Assert.Equal((1, 100_000L, 1, 400L, 1, 49_270L, 1), (totals.PvdCount, totals.PvdMills, totals.RefundCount, totals.RefundMills,
            totals.WithdrawalCount, totals.WithdrawalMills, totals.LicenceCount));
        Assert.Equal(100_000 - 49_270, totals.NetPostageMills);
        // Text is cleaned so it never breaks the layout: the separator and the line break became spaces.
        Assert.Equal("pur_1 odd ref", read.Value.Transactions.Single(t => t.Kind == ResettingKind.Pvd).Reference);
        Assert.Equal(bytes, read.Value.Write());
        Assert.EndsWith("Z|4|2|1|1|1|100000|1|400|1|49270|1|50730\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("|100000|0|100000|", "|100001|0|100000|")] // an amount changed: the trailer's total no longer matches
    [InlineData("R|m-00000002|4|730|0|730|", "R|m-00000002|4|730|0|731|")] // a control total that is not AR + DR
    [InlineData("H|VBI-RESETTING|01|", "H|VBI-RESETTING|02|")] // a version this reader does not know
    public void An_altered_resetting_report_is_refused_by_name(string from, string to)
    {
        var text = Encoding.ASCII.GetString(Report().Write());
        Assert.Contains(from, text, StringComparison.Ordinal);
        var read = ResettingReport.Parse(Encoding.ASCII.GetBytes(text.Replace(from, to, StringComparison.Ordinal)));
        Assert.False(read.IsSuccess);
        Assert.Equal(ErrorCode.ProviderFileMalformed, read.Error.Code);
    }

    [Fact]
    public void A_licensing_file_carries_the_tax_id_only_encrypted_to_the_postal_authority_and_reads_back()
    {
        using var postal = RSA.Create(2048);
        var encrypted = LicensingFile.EncryptTaxId(postal, "123456789");
        var file = new LicensingFile("vbi", Day, LicensingFile.KeyId(postal.ExportSubjectPublicKeyInfo()),
        [
            new LicenceApplication("m-00000001", Noon, "10001", "u-1", new LicenceAddress("Acme Shop", "", "350 5TH AVE", "", "NEW YORK", "NY", "10118", ""), encrypted),
            new LicenceApplication("m-00000002", Noon.AddSeconds(1), "94103", "u-2", new LicenceAddress("Bo", "", "", "", "", "", "", ""), ""),
        ]);
        var bytes = file.Write();
        Assert.DoesNotContain("123456789", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        var read = LicensingFile.Parse(bytes);
        Assert.True(read.IsSuccess, read.Error?.Message);
        Assert.Equal(bytes, read.Value.Write());
        var first = read.Value.Applications[0];
        Assert.Equal("123456789", Encoding.ASCII.GetString(postal.Decrypt(Convert.FromBase64String(first.EncryptedTaxId), RSAEncryptionPadding.OaepSHA256)));
        Assert.Equal("NEW YORK", first.Address.City);
    }

    [Fact]
    public void Answer_files_read_approvals_and_rejections_with_their_reasons_and_refuse_a_miscounted_file()
    {
        var bytes = LicensingAnswers.Write("vbi", Day, [new LicenceAnswer("m-00000001", true, ""), new LicenceAnswer("m-00000002", false, "no contract for ZIP 10001")]);
        var read = LicensingAnswers.Parse(bytes);
        Assert.True(read.IsSuccess, read.Error?.Message);
        Assert.Equal([new LicenceAnswer("m-00000001", true, ""), new LicenceAnswer("m-00000002", false, "no contract for ZIP 10001")], read.Value);
        var miscounted = LicensingAnswers.Parse(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(bytes).Replace("Z|2", "Z|3", StringComparison.Ordinal)));
        Assert.Equal(ErrorCode.ProviderFileMalformed, miscounted.Error?.Code);
        var noReason = LicensingAnswers.Parse(Encoding.ASCII.GetBytes("H|VBI-LICENSING-ANSWERS|01|vbi|2026-12-07\nA|m-00000002|REJECTED|\nZ|1\n"));
        Assert.False(noReason.IsSuccess);
    }
}
