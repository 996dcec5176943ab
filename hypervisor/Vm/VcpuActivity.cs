namespace Rig.Hypervisor.Vm;

/// <summary>A vCPU's activity state (SDM Vol. 3 26.4.2 names the same ones): executing, in HLT, or an AP waiting for a startup IPI.</summary>
public enum VcpuActivity
{
    Running,
    Halted,
    WaitForSipi,
}
