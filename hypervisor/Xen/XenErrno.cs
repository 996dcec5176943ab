namespace Rig.Hypervisor.Xen;

/// <summary>Hypercall error results, negated in RAX (xen/include/public/errno.h; the values are Linux's).</summary>
public static class XenErrno
{
    public const long Eperm = -1;
    public const long Enoent = -2;
    public const long Esrch = -3;
    public const long Efault = -14;
    public const long Eexist = -17;
    public const long Einval = -22;
    public const long Enospc = -28;
    public const long Enosys = -38;
    public const long Eopnotsupp = -95;
}
