using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>
/// A named group of parameters and sub-modules. Names are Hugging Face dotted paths: a module made with name
/// "bert.encoder.layer.0.attention.self.query" owns "bert.encoder.layer.0.attention.self.query.weight".
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<Parameter> _parameters = new();
    private readonly List<Module> _children = new();

    protected Module(string name) => Name = name;

    /// <summary>Full dotted prefix of this module ("" for a root without prefix).</summary>
    public string Name { get; }

    /// <summary>Every parameter of this module and its sub-modules, in registration order, each once.</summary>
    public IEnumerable<Parameter> Parameters()
    {
        var seen = new HashSet<Parameter>();
        foreach (var p in Walk())
            if (seen.Add(p)) yield return p;
    }

    private IEnumerable<Parameter> Walk()
    {
        foreach (var p in _parameters) yield return p;
        foreach (var c in _children)
            foreach (var p in c.Walk()) yield return p;
    }

    public long ParameterCount => Parameters().Sum(p => p.Value.Count);

    /// <summary>
    /// Freezes every parameter for inference: none trainable, every value constant (<see cref="Tensor.IsConstant"/>),
    /// so that a backend may keep the weights pre-packed. Call it once the parameters are on their backend
    /// (<see cref="Backends.IBackend.Adopt"/>), as moving a parameter replaces its tensor. Modules also fuse products
    /// here (<see cref="OnFrozen"/>): each BERT layer with its weights in host memory stacks query, key and value into
    /// one product that attention reads in place.
    /// </summary>
    /// <param name="precision"><see cref="InferencePrecision.Int8"/> also quantizes the weight of every <see cref="Linear"/>
    /// once, here; the model then runs on the CPU backend only.</param>
    /// <exception cref="InvalidOperationException">Int8 with parameters that are not in CPU memory.</exception>
    public void FreezeForInference(InferencePrecision precision = InferencePrecision.Fp32) => Freeze(precision, fuse: true);

    /// <summary><see cref="FreezeForInference"/> with every product kept apart as in training (no <see cref="OnFrozen"/>
    /// fusion): the unfused path that tests compare the fused one with.</summary>
    internal void FreezeForInferenceUnfused(InferencePrecision precision) => Freeze(precision, fuse: false);

    private void Freeze(InferencePrecision precision, bool fuse)
    {
        foreach (var p in Parameters())
        {
            p.Trainable = false;
            p.Value.MarkConstant();
        }
        if (precision == InferencePrecision.Int8)
            foreach (var linear in Modules().OfType<Linear>()) linear.Quantize();
        foreach (var module in Modules()) module.OnFrozen(precision, fuse);
    }

    /// <summary>What a module prepares for inference once its parameters are constant (and every Linear quantized, in
    /// int8), such as products fused across its Linears when <paramref name="fuse"/>; nothing by default.</summary>
    private protected virtual void OnFrozen(InferencePrecision precision, bool fuse) { }

    /// <summary>This module and every sub-module, depth first.</summary>
    private IEnumerable<Module> Modules() => _children.SelectMany(c => c.Modules()).Prepend(this);

    public static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Registers a new zero-filled parameter named Name.local.</summary>
    protected Parameter AddParameter(string local, params ReadOnlySpan<int> dims)
    {
        var p = new Parameter(Join(Name, local), Tensor.Zeros(dims));
        _parameters.Add(p);
        return p;
    }

    /// <summary>Registers a parameter owned elsewhere (tied weights); it is listed and disposed once.</summary>
    protected void AddShared(Parameter p) => _parameters.Add(p);

    protected T AddModule<T>(T module) where T : Module
    {
        _children.Add(module);
        return module;
    }

    public virtual void Dispose()
    {
        foreach (var p in Parameters()) p.Dispose();
        GC.SuppressFinalize(this);
    }
}
