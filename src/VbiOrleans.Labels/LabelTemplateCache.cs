namespace VbiOrleans.Labels;

/// <summary>
/// The label templates a process keeps, least recently used dropped first: at most <see cref="MaxTemplates"/> and
/// <see cref="MaxBytes"/> bytes (a PNG template is the whole page raster, 2.2 MB for a 4x6 label at 300 dpi; a PDF,
/// SVG or ZPL one is a few kilobytes besides the PDF's fonts, which all share). One template per format, layout,
/// resolution, shift and, on an addressed label, banner and sender (<see cref="LabelTemplateKey"/>). Thread-safe;
/// a template missing is built outside the lock (two threads may both build it; the bytes are the same).
/// </summary>
public sealed class LabelTemplateCache
{
    /// <summary>Templates kept by <see cref="Shared"/>: some hundreds of senders in a few formats each.</summary>
    public const int DefaultMaxTemplates = 1024;

    /// <summary>Bytes kept by <see cref="Shared"/>: about 30 PNG pages at 300 dpi, or every PDF, SVG and ZPL template.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    private readonly object _lock = new();
    private readonly Dictionary<LabelTemplateKey, LinkedListNode<(LabelTemplateKey Key, LabelTemplate Template)>> _index = [];
    private readonly LinkedList<(LabelTemplateKey Key, LabelTemplate Template)> _recent = new();
    private long _bytes;
    private long _builds;

    public LabelTemplateCache(int maxTemplates, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTemplates, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxTemplates = maxTemplates;
        MaxBytes = maxBytes;
    }

    /// <summary>The cache <see cref="LabelRenderer.Render(LabelContent, LabelRequest)"/> uses.</summary>
    public static LabelTemplateCache Shared { get; } = new(DefaultMaxTemplates, DefaultMaxBytes);

    public int MaxTemplates { get; }

    public long MaxBytes { get; }

    /// <summary>Templates kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Bytes the kept templates hold now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Templates built because they were not kept (first use, or dropped since).</summary>
    public long Builds => Interlocked.Read(ref _builds);

    internal LabelTemplate Get(LabelTemplateKey key, LabelShipment? shipment)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Template;
            }
        }

        var built = LabelTemplate.Build(key, shipment);
        Interlocked.Increment(ref _builds);
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var raced))
            {
                return raced.Value.Template;
            }

            _index[key] = _recent.AddFirst((key, built));
            _bytes += built.Size;

            // The newest stays even when it alone is over the bytes: the print needs it, and the next one drops it.
            while (_recent.Count > 1 && (_recent.Count > MaxTemplates || _bytes > MaxBytes))
            {
                var oldest = _recent.Last!;
                _recent.RemoveLast();
                _index.Remove(oldest.Value.Key);
                _bytes -= oldest.Value.Template.Size;
            }

            return built;
        }
    }
}
