namespace BertCore.Training.Plots;

/// <summary>
/// A 5×7 pixel font for chart labels: digits, '.', '-', '+', space and the lower-case letters of the labels the
/// charts write (numbers in "G4" form use 'e'). Any other character is drawn as an empty box.
/// </summary>
public static class BitmapFont
{
    public const int Width = 5;
    public const int Height = 7;

    /// <summary>Horizontal distance from one character to the next (one blank column).</summary>
    public const int Advance = Width + 1;

    private static readonly string[] Box = ["#####", "#   #", "#   #", "#   #", "#   #", "#   #", "#####"];

    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        [' '] = ["     ", "     ", "     ", "     ", "     ", "     ", "     "],
        ['0'] = [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        ['1'] = ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        ['2'] = [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        ['3'] = ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
        ['4'] = ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        ['5'] = ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        ['6'] = ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        ['7'] = ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        ['8'] = [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        ['9'] = [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
        ['.'] = ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
        ['-'] = ["     ", "     ", "     ", " ### ", "     ", "     ", "     "],
        ['+'] = ["     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "],
        ['a'] = ["     ", "     ", " ### ", "    #", " ####", "#   #", " ####"],
        ['e'] = ["     ", "     ", " ### ", "#   #", "#####", "#    ", " ### "],
        ['i'] = ["  #  ", "     ", " ##  ", "  #  ", "  #  ", "  #  ", " ### "],
        ['l'] = [" ##  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        ['m'] = ["     ", "     ", "## # ", "# # #", "# # #", "#   #", "#   #"],
        ['n'] = ["     ", "     ", "# ## ", "##  #", "#   #", "#   #", "#   #"],
        ['o'] = ["     ", "     ", " ### ", "#   #", "#   #", "#   #", " ### "],
        ['p'] = ["     ", "     ", "#### ", "#   #", "#### ", "#    ", "#    "],
        ['r'] = ["     ", "     ", "# ## ", "##  #", "#    ", "#    ", "#    "],
        ['s'] = ["     ", "     ", " ####", "#    ", " ### ", "    #", "#### "],
        ['t'] = [" #   ", " #   ", "###  ", " #   ", " #   ", " #  #", "  ## "],
        ['v'] = ["     ", "     ", "#   #", "#   #", "#   #", " # # ", "  #  "],
    };

    /// <summary>Seven rows of five characters; '#' is ink.</summary>
    public static IReadOnlyList<string> Glyph(char c) => Glyphs.TryGetValue(char.ToLowerInvariant(c), out var g) ? g : Box;

    /// <summary>Pixel width of <paramref name="text"/> at scale 1.</summary>
    public static int Measure(string text) => text.Length * Advance - 1;
}
