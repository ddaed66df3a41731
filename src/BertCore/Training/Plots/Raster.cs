namespace BertCore.Training.Plots;

/// <summary>An RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255);
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb Gray = new(200, 200, 200);
}

/// <summary>
/// An 8-bit RGB image in memory, row-major from the top-left corner, with the few drawing operations a line chart
/// needs. Drawing outside the image is clipped silently.
/// </summary>
public sealed class Raster
{
    public Raster(int width, int height, Rgb background)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"image {width} × {height} is empty");
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        for (int i = 0; i < Pixels.Length; i += 3) (Pixels[i], Pixels[i + 1], Pixels[i + 2]) = (background.R, background.G, background.B);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>R, G, B bytes of each pixel, row after row: [Height, Width, 3].</summary>
    public byte[] Pixels { get; }

    public Rgb this[int x, int y]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    public void Set(int x, int y, Rgb color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        (Pixels[i], Pixels[i + 1], Pixels[i + 2]) = (color.R, color.G, color.B);
    }

    /// <summary>A straight line from (x0, y0) to (x1, y1), both ends included (Bresenham).</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        while (true)
        {
            Set(x0, y0, color);
            if (x0 == x1 && y0 == y1) return;
            int twice = 2 * error;
            if (twice >= dy) { error += dy; x0 += sx; }
            if (twice <= dx) { error += dx; y0 += sy; }
        }
    }

    /// <summary>A filled axis-aligned rectangle with corners (x0, y0) and (x1, y1), inclusive.</summary>
    public void Fill(int x0, int y0, int x1, int y1, Rgb color)
    {
        for (int y = Math.Min(y0, y1); y <= Math.Max(y0, y1); y++)
            for (int x = Math.Min(x0, x1); x <= Math.Max(x0, x1); x++)
                Set(x, y, color);
    }

    /// <summary>Text in the built-in 5×7 font (<see cref="BitmapFont"/>), top-left corner at (x, y), each font
    /// pixel drawn as a <paramref name="scale"/>² block.</summary>
    public void Text(int x, int y, string text, Rgb color, int scale = 1)
    {
        foreach (char c in text)
        {
            var glyph = BitmapFont.Glyph(c);
            for (int row = 0; row < BitmapFont.Height; row++)
                for (int col = 0; col < BitmapFont.Width; col++)
                    if (glyph[row][col] != ' ')
                        Fill(x + col * scale, y + row * scale, x + (col + 1) * scale - 1, y + (row + 1) * scale - 1, color);
            x += BitmapFont.Advance * scale;
        }
    }
}
