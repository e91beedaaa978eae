using System.Buffers.Binary;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// Makes PDFsharp's font subset smaller without changing a glyph: PDFsharp keeps the glyph numbering of the whole
/// font, so the subset still carries a horizontal metric for every one of DejaVu's ~6,000 glyphs and its complete
/// character map. Here the metrics of glyphs the subset left empty are zeroed (they compress to almost nothing) and
/// the character map is replaced by one that maps only printable ASCII, the only characters a label prints.
/// Tables stay 4-byte aligned, with their checksums and the head table's checkSumAdjustment recomputed.
/// </summary>
internal static class TrueTypeTrim
{
    public static byte[] Trim(byte[] font, char first, char last)
    {
        var tables = ReadTables(font);
        var cmap = tables["cmap"];
        var glyphs = new ushort[last - first + 1];
        for (char c = first; c <= last; c++)
        {
            glyphs[c - first] = GlyphOf(cmap, c);
        }

        int numberOfHMetrics = BinaryPrimitives.ReadUInt16BigEndian(tables["hhea"].AsSpan(34));
        var hmtx = (byte[])tables["hmtx"].Clone();
        var used = new HashSet<int>(glyphs.Select(g => (int)g)) { 0 };
        for (int g = 0; g < numberOfHMetrics; g++)
        {
            if (!used.Contains(g))
            {
                hmtx.AsSpan(g * 4, 4).Clear();
            }
        }

        for (int at = numberOfHMetrics * 4, g = numberOfHMetrics; at + 2 <= hmtx.Length; at += 2, g++)
        {
            if (!used.Contains(g))
            {
                hmtx.AsSpan(at, 2).Clear();
            }
        }

        tables["hmtx"] = hmtx;
        tables["cmap"] = AsciiCmap(first, glyphs);
        return Write(tables);
    }

    private static Dictionary<string, byte[]> ReadTables(byte[] font)
    {
        int count = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        var tables = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var entry = font.AsSpan(12 + (16 * i), 16);
            var tag = System.Text.Encoding.ASCII.GetString(entry[..4]);
            int offset = (int)BinaryPrimitives.ReadUInt32BigEndian(entry[8..]);
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(entry[12..]);
            tables[tag] = font.AsSpan(offset, length).ToArray();
        }

        return tables;
    }

    /// <summary>The glyph of <paramref name="c"/> in the Windows Unicode (3,1) format 4 subtable; 0 if unmapped.</summary>
    private static ushort GlyphOf(byte[] cmap, char c)
    {
        int subtables = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(2));
        for (int i = 0; i < subtables; i++)
        {
            int platform = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(4 + (8 * i)));
            int encoding = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(6 + (8 * i)));
            int offset = (int)BinaryPrimitives.ReadUInt32BigEndian(cmap.AsSpan(8 + (8 * i)));
            if (platform != 3 || encoding != 1 || BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(offset)) != 4)
            {
                continue;
            }

            int segments = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(offset + 6)) / 2;
            int ends = offset + 14;
            int starts = ends + (2 * segments) + 2;
            int deltas = starts + (2 * segments);
            int rangeOffsets = deltas + (2 * segments);
            for (int s = 0; s < segments; s++)
            {
                int end = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(ends + (2 * s)));
                int start = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(starts + (2 * s)));
                if (c > end || c < start)
                {
                    continue;
                }

                int delta = BinaryPrimitives.ReadInt16BigEndian(cmap.AsSpan(deltas + (2 * s)));
                int rangeOffset = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(rangeOffsets + (2 * s)));
                if (rangeOffset == 0)
                {
                    return (ushort)(c + delta);
                }

                int glyph = BinaryPrimitives.ReadUInt16BigEndian(cmap.AsSpan(rangeOffsets + (2 * s) + rangeOffset + (2 * (c - start))));
                return glyph == 0 ? (ushort)0 : (ushort)(glyph + delta);
            }
        }

        throw new InvalidOperationException($"the font subset maps no glyph to '{c}'");
    }

    /// <summary>A cmap with one (3,1) format 4 subtable: one segment per character from <paramref name="first"/>, then the 0xFFFF end.</summary>
    private static byte[] AsciiCmap(char first, ushort[] glyphs)
    {
        int segments = glyphs.Length + 1;
        int subtableLength = 16 + (8 * segments);
        var cmap = new byte[4 + 8 + subtableLength];
        var span = cmap.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, 0); // version
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 1); // one subtable
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 3); // Windows
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 1); // Unicode BMP
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], 12);
        var table = span[12..];
        int searchRange = 2 * (1 << (int)Math.Floor(Math.Log2(segments)));
        BinaryPrimitives.WriteUInt16BigEndian(table, 4);
        BinaryPrimitives.WriteUInt16BigEndian(table[2..], (ushort)subtableLength);
        BinaryPrimitives.WriteUInt16BigEndian(table[4..], 0); // language
        BinaryPrimitives.WriteUInt16BigEndian(table[6..], (ushort)(2 * segments));
        BinaryPrimitives.WriteUInt16BigEndian(table[8..], (ushort)searchRange);
        BinaryPrimitives.WriteUInt16BigEndian(table[10..], (ushort)Math.Log2(searchRange / 2));
        BinaryPrimitives.WriteUInt16BigEndian(table[12..], (ushort)((2 * segments) - searchRange));
        int ends = 14, starts = ends + (2 * segments) + 2, deltas = starts + (2 * segments), rangeOffsets = deltas + (2 * segments);
        for (int s = 0; s < segments; s++)
        {
            bool last = s == glyphs.Length;
            ushort code = last ? (ushort)0xFFFF : (ushort)(first + s);
            BinaryPrimitives.WriteUInt16BigEndian(table[(ends + (2 * s))..], code);
            BinaryPrimitives.WriteUInt16BigEndian(table[(starts + (2 * s))..], code);
            BinaryPrimitives.WriteUInt16BigEndian(table[(deltas + (2 * s))..], last ? (ushort)1 : (ushort)(glyphs[s] - code));
            BinaryPrimitives.WriteUInt16BigEndian(table[(rangeOffsets + (2 * s))..], 0);
        }

        return cmap;
    }

    /// <summary>The font file: offset table, directory in tag order, tables 4-byte aligned, checksums, checkSumAdjustment.</summary>
    private static byte[] Write(Dictionary<string, byte[]> tables)
    {
        var tags = tables.Keys.Order(StringComparer.Ordinal).ToList();
        int headerLength = 12 + (16 * tags.Count);
        int length = headerLength + tags.Sum(t => (tables[t].Length + 3) & ~3);
        var font = new byte[length];
        var span = font.AsSpan();
        int power = 1 << (int)Math.Floor(Math.Log2(tags.Count));
        BinaryPrimitives.WriteUInt32BigEndian(span, 0x00010000);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)tags.Count);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)(power * 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)Math.Log2(power));
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)((tags.Count - power) * 16));
        int offset = headerLength;
        int headOffset = -1;
        for (int i = 0; i < tags.Count; i++)
        {
            var data = tables[tags[i]];
            if (tags[i] == "head")
            {
                data = (byte[])data.Clone();
                data.AsSpan(8, 4).Clear(); // checkSumAdjustment is computed with this field zero
                headOffset = offset;
            }

            data.CopyTo(span[offset..]);
            var entry = span.Slice(12 + (16 * i), 16);
            System.Text.Encoding.ASCII.GetBytes(tags[i], entry);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], Checksum(span.Slice(offset, (data.Length + 3) & ~3)));
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)offset);
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)data.Length);
            offset += (data.Length + 3) & ~3;
        }

        if (headOffset >= 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[(headOffset + 8)..], 0xB1B0AFBA - Checksum(span));
        }

        return font;
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 4 <= data.Length; i += 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        }

        return sum;
    }
}
