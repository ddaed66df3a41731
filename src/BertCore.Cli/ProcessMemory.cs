namespace BertCore.Cli;

/// <summary>Resident memory of this process from /proc/self/status (Linux); 0 where that file does not exist.</summary>
public static class ProcessMemory
{
    public static long CurrentResidentBytes() => Read("VmRSS:");

    /// <summary>The high-water mark of resident memory since the process started.</summary>
    public static long PeakResidentBytes() => Read("VmHWM:");

    private static long Read(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;   // "VmRSS:   12345 kB"
        return 0;
    }
}
