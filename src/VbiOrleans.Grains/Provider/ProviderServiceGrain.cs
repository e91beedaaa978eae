using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Domain.ProviderFiles.Licensing;
using VbiOrleans.Grains.Archive;
using VbiOrleans.PostalAuthority;

namespace VbiOrleans.Grains.Provider;

[GenerateSerializer]
public sealed class ProviderServiceState
{
    /// <summary>The last closed day put on the schedule: every day after it is scheduled at the next wake, none skipped.</summary>
    [Id(0)] public DateOnly? LastScheduled { get; set; }
    /// <summary>Days whose file is not verified at the postal authority yet: each wake runs them again, oldest first.</summary>
    [Id(1)] public List<DateOnly> Pending { get; set; } = [];
    /// <summary>Every day the service ran, oldest first (the newest <see cref="ProviderServiceGrain.MaxDaysKept"/>), for the operators' view.</summary>
    [Id(2)] public List<DateOnly> Days { get; set; } = [];
    /// <summary>Answer files already read (the newest <see cref="ProviderServiceGrain.MaxAnswerFilesKept"/>); reading one again changes nothing.</summary>
    [Id(3)] public List<string> AnswerFiles { get; set; } = [];
}

/// <summary>One provider service driven by its reminder (see <see cref="IProviderServiceGrain"/>).</summary>
public sealed class ProviderServiceGrain(
    [PersistentState(stateName: "providerService", storageName: StorageNames.Commerce)] IPersistentState<ProviderServiceState> service,
    IServiceProvider services,
    IArchiveStore archive,
    IOptions<ProviderOptions> options,
    TimeProvider clock,
    ILogger<ProviderServiceGrain> logger) : Grain, IProviderServiceGrain, IRemindable
{
    public const int MaxDaysKept = 400;
    public const int MaxAnswerFilesKept = 1000;
    /// <summary>The most days one wake runs (after an outage the backlog drains over a few wakes, oldest first).</summary>
    public const int MaxDaysPerWake = 7;
    public const string AnswerFilePrefix = "licensing-answers-";

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!ProviderServices.IsRunning(Name)) throw new ArgumentException($"no provider service '{Name}' runs here");
        if (options.Value.HasTransport)
            await this.RegisterOrUpdateReminder("provider", options.Value.CheckPeriod, options.Value.CheckPeriod);
    }

    public Task<IReadOnlyList<DateOnly>> Start() => Task.FromResult<IReadOnlyList<DateOnly>>([.. service.State.Pending]);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            await WakeAsync();
        }
        catch (Exception e)
        {
            logger.LogError("Provider {Service}: the scheduled run failed; the next wake retries: {Error}", Name, e.Message);
        }
    }

    private async Task WakeAsync()
    {
        if (Name == ProviderServices.Licensing) await ReadAnswersAsync();
        var s = service.State;
        var latest = ProviderSchedule.LatestClosedDay(clock.GetUtcNow(), options.Value.RunAt);
        var first = s.LastScheduled?.AddDays(1) ?? latest.AddDays(1 - options.Value.BackfillDays);
        if (first <= latest)
        {
            for (var d = first; d <= latest; d = d.AddDays(1)) Track(d);
            s.LastScheduled = latest;
            await service.WriteStateAsync();
        }
        foreach (var d in s.Pending.Order().Take(MaxDaysPerWake).ToList()) await RunDayAsync(d);
    }

    public async Task<ProviderFileView> Run(DateOnly day)
    {
        if (Name == ProviderServices.Licensing) await ReadAnswersAsync();
        if (Track(day)) await service.WriteStateAsync();
        return await RunDayAsync(day);
    }

    public async Task<IReadOnlyList<ProviderFileView>> Files(int limit)
    {
        // Interleaved with a run: the days are copied before the first await.
        var days = service.State.Days.AsEnumerable().Reverse().Take(limit).ToList();
        var views = new List<ProviderFileView>();
        foreach (var d in days)
            views.Add(await GrainFactory.GetGrain<IProviderDayGrain>(IProviderDayGrain.Key(Name, d)).View());
        return views;
    }

    /// <summary>Puts a day on the schedule (pending) unless it is there; true when the state changed.</summary>
    private bool Track(DateOnly day)
    {
        var s = service.State;
        var changed = false;
        if (!s.Days.Contains(day))
        {
            s.Days.Add(day);
            s.Days.Sort();
            if (s.Days.Count > MaxDaysKept) s.Days.RemoveRange(0, s.Days.Count - MaxDaysKept);
            changed = true;
        }
        if (!s.Pending.Contains(day))
        {
            s.Pending.Add(day);
            changed = true;
        }
        return changed;
    }

    private async Task<ProviderFileView> RunDayAsync(DateOnly day)
    {
        var view = await GrainFactory.GetGrain<IProviderDayGrain>(IProviderDayGrain.Key(Name, day)).Run();
        if (view.State != ProviderFileState.Verified || view.LastError is not null) return view;
        if (service.State.Pending.Remove(day)) await service.WriteStateAsync();
        await ReconcileAsync(day);
        return view;
    }

    /// <summary>
    /// The day's reconciliation, after each verified run: it runs once every service's file of the day is verified (the
    /// last service to get there runs it), and again at each operator's run. A failure is logged and never fails the day.
    /// </summary>
    private async Task ReconcileAsync(DateOnly day)
    {
        try
        {
            var run = await GrainFactory.GetGrain<IReconciliationGrain>(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).Run();
            if (run.Waiting is not null) logger.LogInformation("Provider {Service} {Day}: the reconciliation waits: {Waiting}", Name, day, run.Waiting);
        }
        catch (Exception e)
        {
            logger.LogError("Provider {Service} {Day}: the reconciliation failed; the next run of the day tries again: {Error}", Name, day, e.Message);
        }
    }

    /// <summary>
    /// Reads the postal authority's answer files not read yet (<c>licensing-answers-*</c> in its outbound folder): each is
    /// archived, parsed, and its answers recorded on the meters' licences. A file that does not parse is logged and
    /// not read again; a transport failure leaves every file for the next wake.
    /// </summary>
    private async Task ReadAnswersAsync()
    {
        if (services.GetService<IPostalAuthorityTransport>() is not { } transport) return;
        IReadOnlyList<string> names;
        try
        {
            names = await transport.ListAnswersAsync(CancellationToken.None);
        }
        catch (PostalTransferException e)
        {
            logger.LogWarning("Provider licensing: the answer files could not be listed at {Transport}: {Error}", transport.Description, e.Message);
            return;
        }
        var s = service.State;
        foreach (var name in names.Where(n => n.StartsWith(AnswerFilePrefix, StringComparison.Ordinal) && !s.AnswerFiles.Contains(n)))
        {
            byte[] content;
            try
            {
                content = await transport.ReadAnswerAsync(name, LicensingAnswers.MaxBytes, CancellationToken.None);
                var archived = $"provider/{ProviderServices.Licensing}/answers/{name}";
                try
                {
                    await archive.PutAsync(archived, content);
                }
                catch (ArchiveConflictException)
                {
                    if (await archive.GetAsync(archived) is not { } kept || !kept.AsSpan().SequenceEqual(content))
                        throw new InvalidOperationException($"the archive holds another answer file under {archived}");
                }
            }
            catch (Exception e)
            {
                logger.LogWarning("Provider licensing: the answer file {File} could not be read; the next wake retries: {Error}", name, e.Message);
                continue;
            }
            var answers = LicensingAnswers.Parse(content);
            if (!answers.IsSuccess)
            {
                logger.LogError("Provider licensing: the answer file {File} is not read: {Error}", name, answers.Error.Message);
            }
            else
            {
                foreach (var answer in answers.Value)
                {
                    // Recorded even before the meter's application is (the feed may lag the postal authority): the licence keeps it.
                    if (Domain.Meters.MeterId.TryParse(answer.MeterId, out _))
                        await GrainFactory.GetGrain<IMeterLicenceGrain>(answer.MeterId).Answer(answer.Approved, answer.Reason, name);
                    else
                        logger.LogError("Provider licensing: the answer file {File} answers '{MeterId}', which is not a meter id", name, answer.MeterId);
                }
                logger.LogInformation("Provider licensing: answer file {File} read: {Count} answers", name, answers.Value.Count);
            }
            s.AnswerFiles.Add(name);
            if (s.AnswerFiles.Count > MaxAnswerFilesKept) s.AnswerFiles.RemoveRange(0, s.AnswerFiles.Count - MaxAnswerFilesKept);
            await service.WriteStateAsync();
        }
    }
}
