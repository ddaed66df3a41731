namespace BertCore.Tests.Fuzzing;

/// <summary>
/// A parser under fuzzing. Each case is written to a file named <paramref name="FileName"/> (its extension picks
/// the format where the parser looks at it) in a fresh folder, then <paramref name="Parse"/> gets that file's path.
/// </summary>
/// <param name="Name">The name the tests and tools/fuzz/run.sh use.</param>
/// <param name="FileName">The name each case's file gets.</param>
/// <param name="Seeds">Real, valid files of the format; the argument is a scratch folder for seeds written by code.</param>
/// <param name="Parse">Calls the parser's public entry point on the file (and walks what it returns).</param>
/// <param name="Documented">The exception types the entry point documents for bad input; any other exception is a bug.</param>
/// <param name="Repair">
/// Optional: re-establishes a checksum after mutation (applied to half the cases), so that mutations reach the
/// checks behind it instead of all failing the checksum.
/// </param>
/// <param name="BytesPerInputByte">The managed allocation allowed per input byte (see <see cref="FuzzRunner.MemoryBound"/>).</param>
/// <param name="CiCases">Cases in CI (<see cref="ParserFuzzTests"/>): about two seconds of this target on the build machine.</param>
internal sealed record FuzzTarget(
    string Name,
    string FileName,
    Func<string, IReadOnlyList<byte[]>> Seeds,
    Action<string> Parse,
    IReadOnlyList<Type> Documented,
    Func<byte[], byte[]>? Repair = null,
    int BytesPerInputByte = 64,
    int CiCases = 300);
