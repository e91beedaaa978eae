using PdfSharp;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>Renders labels for the tests.</summary>
internal static class TestRendering
{
    private static readonly Lazy<bool> PdfLicense = new(() =>
    {
        // The tests run in-house only (nothing here is distributed or served), so the AGPL license is loaded for
        // them. The production host makes its own choice; see PdfFonts.
        PdfSharpLicense.SetAgplLicense();
        return true;
    });

    public static RenderedLabel Render(LabelContent content, LabelFormat format, LabelLayout layout, int dpi) =>
        Render(content, new LabelRequest(format, layout, dpi));

    public static RenderedLabel Render(LabelContent content, LabelRequest request)
    {
        _ = PdfLicense.Value;
        return LabelRenderer.Render(content, request);
    }
}
