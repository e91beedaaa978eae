namespace VbiOrleans.Labels;

/// <summary>
/// Why a label was not rendered. The member name is the stable code callers and the API report
/// (<c>UnsupportedLabelFormat</c>, ...), so members are never renamed; new ones are added at the end.
/// </summary>
public enum LabelError
{
    /// <summary>A field of <see cref="LabelContent"/> is missing or malformed.</summary>
    InvalidLabelContent = 1,

    /// <summary>The resolution is outside what the layouts are drawn for.</summary>
    UnsupportedDpi = 2,

    /// <summary>The printer profile does not list the requested format.</summary>
    UnsupportedLabelFormat = 3,

    /// <summary>The printer profile does not list the requested layout (its media does not fit).</summary>
    UnsupportedLabelLayout = 4,

    /// <summary>The indicium does not fit one Data Matrix symbol, or the indicium block with its clear zone does not fit the page.</summary>
    IndiciumTooLarge = 5,

    /// <summary>A printer profile is malformed, or the request's resolution is not the printer's.</summary>
    InvalidPrinterProfile = 6,

    /// <summary>The DejaVu Sans font files are not installed (Debian package fonts-dejavu-core).</summary>
    FontMissing = 7,

    /// <summary>PDFsharp has no license loaded in this process; the host chooses AGPL or commercial at start-up.</summary>
    PdfLibraryNotLicensed = 8,

    /// <summary>A field of a SCAN form's content is missing or malformed.</summary>
    InvalidScanFormContent = 9,
}

/// <summary>A label that could not be rendered, with its <see cref="LabelError"/> code.</summary>
public sealed class LabelException(LabelError code, string message) : Exception($"{code}: {message}")
{
    /// <summary>The stable reason; <c>Code.ToString()</c> is the code string.</summary>
    public LabelError Code { get; } = code;
}
