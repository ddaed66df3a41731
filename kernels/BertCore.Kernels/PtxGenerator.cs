using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BertCore.Kernels;

/// <summary>
/// PTX for the kernels without a GPU: ILGPU's <see cref="PTXBackend"/> compiles an entry point for a chosen
/// architecture and PTX ISA on a context that needs no device or driver. Observed with ILGPU 1.5.3: asking for
/// SM_90 yields PTX whose header says <c>.target sm_80</c> (every architecture from SM_80 up is written as sm_80),
/// which the driver JIT-compiles for an sm_90 device (PTX is forward compatible).
/// </summary>
public sealed class PtxGenerator : IDisposable
{
    private readonly Context _context;
    private readonly PTXBackend _backend;

    public PtxGenerator(CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        _context = Context.Create(b => b.Cuda().EnableAlgorithms());
        _backend = new PTXBackend(_context, new CudaCapabilityContext(architecture), architecture, instructionSet, null);
    }

    /// <summary>For sm_90 (H100/H200) with PTX ISA 8.0, the first ISA that knows sm_90.</summary>
    public static PtxGenerator ForSm90() => new(CudaArchitecture.SM_90, CudaInstructionSet.ISA_80);

    /// <summary>The PTX module of one explicitly grouped kernel, with a launch bound when <paramref name="specialization"/>
    /// sets one (such as <see cref="AttentionKernels.LaunchBound"/>).</summary>
    public string Generate(MethodInfo kernel, KernelSpecialization specialization = default)
    {
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)_backend.Compile(entry, specialization);
        return compiled.PTXAssembly;
    }

    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }
}
