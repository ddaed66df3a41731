using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary>A vector index's folder: queries and additions that do not fit, corrupt files, interrupted and concurrent Adds.</summary>
public class VectorIndexFileTests
{
    private const string Model = "model-a";
    private const int D = 8;

    [Fact]
    public void A_query_or_addition_from_another_model_or_dimension_is_refused_naming_both()
    {
        using var temp = new TempFolder();
        using var index = Small(temp.File("index"));

        var model = Assert.Throws<ArgumentException>(() => index.Search(new float[D], 3, "model-b"));
        Assert.Contains("'model-b'", model.Message);
        Assert.Contains($"'{Model}'", model.Message);
        var dimension = Assert.Throws<ArgumentException>(() => index.Search(new float[D + 1], 3, Model));
        Assert.Contains($"query 0 has {D + 1} values, but index {temp.File("index")} holds {D}-dimensional vectors", dimension.Message);
        Assert.Contains("'model-b'", Assert.Throws<ArgumentException>(() => index.Add("model-b", [("z", "z")], [new float[D]])).Message);
        Assert.Contains($"vector 0 has {D - 1} values, but index", Assert.Throws<ArgumentException>(() => index.Add(Model, [("z", "z")], [new float[D - 1]])).Message);
    }

    [Fact]
    public void Bad_additions_are_refused_and_leave_the_index_as_it_was()
    {
        using var temp = new TempFolder();
        using var index = Small(temp.File("index"));
        var files = Snapshot(temp.File("index"));
        float[] nan = Vector(1);
        nan[3] = float.NaN;

        Assert.Contains("id \"d1\" is already in index", Assert.Throws<ArgumentException>(() => index.Add(Model, [("d1", "again")], [Vector(1)])).Message);
        Assert.Contains("id \"x\" is given twice", Assert.Throws<ArgumentException>(() => index.Add(Model, [("x", "1"), ("x", "2")], [Vector(1), Vector(2)])).Message);
        Assert.Contains("vector 0 (id \"y\") has a value that is not finite (NaN)", Assert.Throws<ArgumentException>(() => index.Add(Model, [("y", "y")], [nan])).Message);
        Assert.Contains("has an L2 norm above", Assert.Throws<ArgumentException>(() => index.Add(Model, [("y", "y")], [Vector(1, 1e16f)])).Message);
        Assert.Contains("2 documents but 1 vectors", Assert.Throws<ArgumentException>(() => index.Add(Model, [("y", "y"), ("w", "w")], [Vector(1)])).Message);
        Assert.Contains("query 0 has a value that is not finite", Assert.Throws<ArgumentException>(() => index.Search(nan, 1, Model)).Message);

        Assert.Equal(3, index.Count);
        Assert.Equal(files, Snapshot(temp.File("index")));
    }

    [Fact]
    public void Corrupt_files_are_refused_naming_the_file()
    {
        using var temp = new TempFolder();
        string dir = temp.File("index");
        using (Small(dir)) { }
        string manifest = Path.Combine(dir, "index.json"), vectors = Path.Combine(dir, "vectors-1.safetensors"), documents = Path.Combine(dir, "documents-1.jsonl");
        void Refused(string file, string problem, Action corrupt)
        {
            var saved = Snapshot(dir);
            corrupt();
            var e = Assert.Throws<InvalidFileException>(() => VectorIndex.Open(dir).Dispose());
            Assert.Equal(file, e.Path);
            Assert.Contains(problem, e.Message);
            foreach (var (name, bytes) in saved) File.WriteAllBytes(Path.Combine(dir, name), Convert.FromBase64String(bytes));
            VectorIndex.Open(dir).Dispose();   // restored
        }

        Refused(vectors, "run past the end of the data section", () => Truncate(vectors, 40));
        Refused(documents, "holds 2 documents, but", () => File.WriteAllLines(documents, File.ReadAllLines(documents).Take(2)));
        Refused(documents, "id \"d0\" is already on line 1", () => File.WriteAllLines(documents, File.ReadAllLines(documents).Take(2).Append(File.ReadAllLines(documents)[0])));
        Refused(documents, "field \"text\" is missing or not a string", () => File.WriteAllLines(documents, ["{\"id\":\"a\"}", "{}", "{}"]));
        Refused(manifest, "not valid JSON", () => File.WriteAllText(manifest, "{\"format\": "));
        Refused(manifest, "field 'precision' is \"fp16\"", () => Replace(manifest, "\"fp32\"", "\"fp16\""));
        Refused(vectors, "tensor 'vectors' is F32 [3, 8], but", () => Replace(manifest, "\"count\": 3", "\"count\": 4"));
        Refused(vectors, "tensor 'vectors' is F32 [3, 8], but", () => Replace(manifest, "\"precision\": \"fp32\"", "\"precision\": \"int8\""));
        Refused(vectors, "row 2 of tensor 'vectors' has a value that is not finite", () => Poke(vectors, new FileInfo(vectors).Length - 4, float.PositiveInfinity));
        Refused(manifest, "is missing: the folder is not a vector index", () => File.Delete(manifest));
        Refused(documents, "is missing", () => File.Delete(documents));
    }

    [Fact]
    public void An_index_is_created_only_in_a_new_or_empty_folder()
    {
        using var temp = new TempFolder();
        using (Small(temp.File("index"))) { }
        Assert.Throws<IOException>(() => VectorIndex.Create(temp.File("index"), Model, D));
        Directory.CreateDirectory(temp.File("empty"));
        using var created = VectorIndex.Create(temp.File("empty"), Model, D, VectorPrecision.Int8, modelPath: "/models/a");
        using var reopened = VectorIndex.Open(temp.File("empty"));
        Assert.Equal((Model, "/models/a", D, 0, VectorPrecision.Int8), (reopened.ModelFingerprint, reopened.ModelPath, reopened.Dimension, reopened.Count, reopened.Precision));
    }

    [Fact]
    public void An_add_killed_before_its_commit_leaves_the_index_as_it_was_and_the_next_add_clears_its_files()
    {
        using var temp = new TempFolder();
        string dir = temp.File("index");
        using (Small(dir)) { }
        // What a process killed in the middle of adding generation 2 leaves: a half-written vectors file, a documents
        // file, and a temporary index.json that was never renamed.
        File.WriteAllBytes(Path.Combine(dir, "vectors-2.safetensors"), File.ReadAllBytes(Path.Combine(dir, "vectors-1.safetensors"))[..50]);
        File.WriteAllText(Path.Combine(dir, "documents-2.jsonl"), "{\"id\":\"d0\",\"text\":\"zero\"}\n");
        File.WriteAllText(Path.Combine(dir, "index.json.tmp-0123456789ab"), "{");

        using var index = VectorIndex.Open(dir);
        Assert.Equal(["d2", "d1", "d0"], index.Search(Vector(2), 3, Model).Select(h => h.Id));
        index.Add(Model, [("d3", "three")], [Vector(3)]);

        Assert.Equal(["documents-2.jsonl", "index.json", "vectors-2.safetensors"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var reopened = VectorIndex.Open(dir);
        Assert.Equal(index.Search(Vector(3), 4, Model), reopened.Search(Vector(3), 4, Model));
        Assert.Equal("three", reopened.Search(Vector(3), 1, Model)[0].Text);
    }

    [TmpfsFact]
    public void An_add_that_fills_the_disk_leaves_the_index_as_it_was()
    {
        using var disk = new Tmpfs(1 << 20);
        string dir = disk.File("index");
        using var index = Small(dir);
        var files = Snapshot(dir);
        var rows = Enumerable.Range(0, 2000).Select(i => Vector(i)).ToArray();   // 64 KB of vectors and their documents
        var big = Enumerable.Range(0, 2000).Select(i => ($"big{i}", new string('x', 1000))).ToArray();   // 2 MB of text

        Assert.ThrowsAny<IOException>(() => index.Add(Model, big, rows));

        Assert.Equal(files, Snapshot(dir));
        Assert.Equal(3, index.Count);
        using var reopened = VectorIndex.Open(dir);
        Assert.Equal(3, reopened.Count);
    }

    [Fact]
    public async Task Searches_running_during_an_add_see_the_index_before_it_or_after_it()
    {
        using var temp = new TempFolder();
        using var index = Small(temp.File("index"));
        float[] query = Vector(50);
        var before = index.Search(query, 4, Model);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var searchers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            do seen.Add(string.Join(",", index.Search(query, 4, Model).Select(h => h.Id)));
            while (!stop.IsCancellationRequested);
        })).ToArray();
        // On a busy machine the thread pool may start the searchers late: let each search once before the adds begin.
        Assert.True(SpinWait.SpinUntil(() => seen.Count >= 3, TimeSpan.FromSeconds(30)), "the searchers never ran");

        for (int i = 0; i < 20; i++) index.Add(Model, [($"n{i}", "new")], [Vector(40 + i)]);
        stop.Cancel();
        await Task.WhenAll(searchers);

        var states = new HashSet<string> { string.Join(",", before.Select(h => h.Id)) };
        using (var replay = Small(temp.File("replay")))
            for (int i = 0; i < 20; i++)
            {
                replay.Add(Model, [($"n{i}", "new")], [Vector(40 + i)]);
                states.Add(string.Join(",", replay.Search(query, 4, Model).Select(h => h.Id)));
            }
        Assert.All(seen, s => Assert.Contains(s, states));
    }

    /// <summary>Three documents d0, d1, d2 with <see cref="Vector"/>(0), (1), (2), added in one call (generation 1).</summary>
    private static VectorIndex Small(string dir)
    {
        var index = VectorIndex.Create(dir, Model, D);
        index.Add(Model, [("d0", "zero"), ("d1", "one"), ("d2", "two")], [Vector(0), Vector(1), Vector(2)]);
        return index;
    }

    /// <summary>[D]: value i is i · t / 10 + 1 (times <paramref name="scale"/>): its dot product with a query grows with t.</summary>
    private static float[] Vector(int t, float scale = 1f) => Enumerable.Range(0, D).Select(i => (i * t / 10f + 1) * scale).ToArray();

    /// <summary>Every file of the folder: its name and its bytes in base 64.</summary>
    private static List<(string Name, string Bytes)> Snapshot(string dir) =>
        Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), Convert.ToBase64String(File.ReadAllBytes(f)))).ToList();

    private static void Truncate(string path, int bytes)
    {
        using var f = new FileStream(path, FileMode.Open);
        f.SetLength(f.Length - bytes);
    }

    private static void Replace(string path, string from, string to)
    {
        string text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to));
    }

    private static void Poke(string path, long offset, float value)
    {
        using var f = new FileStream(path, FileMode.Open);
        f.Position = offset;
        f.Write(BitConverter.GetBytes(value));
    }
}
