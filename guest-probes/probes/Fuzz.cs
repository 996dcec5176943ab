using Rig.Guest;

/// <summary>
/// The guest half of <c>rig fuzz</c> (issue 21): every vCPU drives the guest-facing interfaces of the hypervisor with
/// seeded random input (port I/O, MSRs, MMIO in and outside the LAPIC, IOAPIC and HPET, Xen hypercalls with pointers in
/// and outside RAM, FIFO event-channel words, malformed COM2 requests, resets and triple faults) until the host stops
/// the VM or <c>inputs=</c> per vCPU are done. Command line: <c>seed=S weights=W [inputs=N] [trace=1] [reset-every=R]</c>.
/// The input sequence of vCPU c is a function of (seed, boot number, c) alone, so a seed replays it.
/// <para>
/// Progress goes to a status block in guest RAM (<see cref="FuzzLayout"/>, read by the host through QMP pmemsave), not
/// COM1: random writes to COM1's registers (DLAB, LCR) may silence the console, and the block is what the host reads
/// while it pings QMP. Inputs stay clear of the probe's own memory: pointers handed to the hypervisor point into
/// <see cref="ScratchGpa"/>, above 4 GiB, or into unbacked space, so a wild write by the hypervisor is its bug, not noise.
/// </para>
/// <para>
/// Beyond survival the probe judges answers (<see cref="FuzzOracle"/>): a hypercall whose pointer is outside RAM must
/// fail with -EFAULT, event-channel commands with impossible ports, VIRQs, priorities, offsets or frames with their
/// documented error, and the canary (<see cref="FuzzLayout.CanaryGpa"/>) must keep its contents. A violation is counted
/// in the status block with the input it came from and printed on COM1 as <c>fuzz-violation</c>.
/// </para>
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    // Guest-physical layout after the status block (FuzzLayout.StatusGpa, 8 MiB).
    private const ulong ControlBlocksGpa = 0x801000; // one FIFO control block page per vCPU (16)
    private const ulong EventArrayGpa = 0x811000;
    private const ulong ScratchGpa = 0x820000;
    private const ulong ScratchSize = 0x40000;
    private const ulong RamTop = 0x4000000; // rig.json's 64 MiB; wider words start here, past RAM
    private const int PortOut = FuzzLayout.PortOut, PortIn = FuzzLayout.PortIn, MsrRead = FuzzLayout.MsrRead, MsrWrite = FuzzLayout.MsrWrite;
    private const int MmioRead = FuzzLayout.MmioRead, MmioWrite = FuzzLayout.MmioWrite, Hypercall = FuzzLayout.Hypercall;
    private const int EvtchnFifo = FuzzLayout.EvtchnFifo, Com2Request = FuzzLayout.Com2Request, Reset = FuzzLayout.Reset;

    private static ulong seed;
    private static ulong weights;
    private static ulong limit;
    private static ulong resetEvery;
    private static bool trace;
    private static bool xen;
    private static int cpus;
    private static ulong* status;
    private static ulong ramEnd;

    public static void Main()
    {
        seed = CommandLine.GetNumber("seed", 1);
        weights = CommandLine.GetNumber("weights", FuzzLayout.DefaultWeights);
        limit = CommandLine.GetNumber("inputs", 0);
        resetEvery = CommandLine.GetNumber("reset-every", 1UL << 16);
        trace = CommandLine.Is("trace", "1");
        cpus = Acpi.CpuCount();
        if (cpus > FuzzLayout.MaxCpus)
        {
            cpus = FuzzLayout.MaxCpus;
        }
        status = (ulong*)FuzzLayout.StatusGpa;
        for (int i = 0; i < FuzzLayout.StatusLength / 8; i++)
        {
            status[i] = 0;
        }
        status[FuzzLayout.HeaderSeed] = seed;
        status[FuzzLayout.HeaderBoot] = (ulong)Runtime.BootNumber;
        status[FuzzLayout.HeaderCpus] = (ulong)cpus;
        status[FuzzLayout.HeaderWeights] = weights;
        ramEnd = BackedRamEnd();
        CheckCanaryLeftByLastBoot();
        FillCanary();
        xen = XenTime.Enable(out _);
        status[FuzzLayout.HeaderXen] = xen ? 1UL : 0;
        for (int v = 0; v < 32; v++)
        {
            Events.Register(v, &OnException);
        }
        status[FuzzLayout.HeaderMagic] = FuzzLayout.Magic;
        if (!Team.Run(Name, &Work))
        {
            return;
        }
        Line line = Report.Start(Verdict.Ok, Name);
        line.Field("inputs", Total());
        line.Field("cpus", (ulong)cpus);
        Report.Emit(ref line);
    }

    private static ulong Total()
    {
        ulong total = 0;
        for (int c = 0; c < cpus; c++)
        {
            total += Atomic.Load(CpuBlock(c) + FuzzLayout.CpuInputs);
        }
        return total;
    }

    /// <summary>This vCPU's quadwords of the status block (FuzzLayout.Cpu*).</summary>
    private static ulong* CpuBlock(int cpu) => status + FuzzLayout.CpuBase + cpu * FuzzLayout.CpuStride;

    private static void Work(int cpu)
    {
        ulong* block = CpuBlock(cpu);
        ulong state = seed * 0x9E3779B97F4A7C15 ^ (ulong)Runtime.BootNumber << 40 ^ (ulong)cpu << 56 ^ 0x2545F4914F6CDD1D;
        if (xen)
        {
            InitFifo(cpu, ref state);
        }
        ulong total = WeightSum();
        for (ulong i = 0; limit == 0 || i < limit; i++)
        {
            int kind = resetEvery != 0 && Next(ref state) % resetEvery == 0 ? Reset : Pick(Next(ref state) % total);
            ulong a = Next(ref state), b = Next(ref state), c = Next(ref state);
            block[FuzzLayout.CpuInterface] = (ulong)kind;
            block[FuzzLayout.CpuA] = a;
            block[FuzzLayout.CpuB] = b;
            block[FuzzLayout.CpuC] = c;
            if (trace)
            {
                Trace(cpu, i, kind, a, b, c);
            }
            // Counted before it runs: a reset or triple fault never comes back to count itself.
            block[FuzzLayout.CpuPerInterface + kind]++;
            Atomic.FetchAdd(block + FuzzLayout.CpuInputs, 1);
            Do(kind, a, b, c, cpu, ref state);
            if ((i & (CanaryCheckEvery - 1)) == CanaryCheckEvery - 1)
            {
                CheckCanary(block, (i / CanaryCheckEvery + (ulong)cpu) % (FuzzLayout.CanaryLength / CanarySlice) * CanarySlice, CanarySlice);
            }
        }
    }

    // ---- the oracles beyond survival ----

    /// <summary>Each vCPU compares 16 KiB of the canary every 1024 inputs: all of it every 32 Ki inputs, a few seconds.</summary>
    private const ulong CanaryCheckEvery = 1024;
    private const ulong CanarySlice = 0x4000;

    /// <summary>
    /// Where guest RAM ends, backed: the end of the start info's RAM range holding the sample area, and any range that
    /// directly follows it (rig-hv's xen-pvh machine reserves the top pages, still RAM to the hypervisor); rig.json's
    /// 64 MiB when the start info has no memory map.
    /// </summary>
    private static ulong BackedRamEnd()
    {
        ulong capacity = SampleBuffer.CapacityBytes;
        if (capacity == 0)
        {
            return RamTop;
        }
        ulong end = FuzzLayout.StatusGpa + capacity;
        StartInfo* info = Runtime.StartInfo;
        var map = (MemoryMapEntry*)info->MemoryMapPaddr;
        for (bool grew = true; grew;)
        {
            grew = false;
            for (uint i = 0; i < info->MemoryMapEntries && i < 128; i++)
            {
                if (map[i].Address == end && map[i].Address < 0xFEC00000)
                {
                    end += map[i].Size;
                    grew = true;
                }
            }
        }
        return end;
    }

    /// <summary>The first quadword last: it tells the next boot and the host that the rest is filled.</summary>
    private static void FillCanary()
    {
        for (ulong gpa = FuzzLayout.CanaryGpa + 8; gpa < FuzzLayout.CanaryGpa + FuzzLayout.CanaryLength; gpa += 8)
        {
            *(ulong*)gpa = FuzzLayout.CanaryWord(gpa);
        }
        *(ulong*)FuzzLayout.CanaryGpa = FuzzLayout.CanaryWord(FuzzLayout.CanaryGpa);
    }

    /// <summary>RAM survives a reset: when the last boot filled the canary, whatever changed it since is counted on vCPU 0's input 0.</summary>
    private static void CheckCanaryLeftByLastBoot()
    {
        if (*(ulong*)FuzzLayout.CanaryGpa == FuzzLayout.CanaryWord(FuzzLayout.CanaryGpa))
        {
            CheckCanary(CpuBlock(0), 0, FuzzLayout.CanaryLength);
        }
    }

    private static void CheckCanary(ulong* block, ulong offset, ulong length)
    {
        for (ulong gpa = FuzzLayout.CanaryGpa + offset; gpa < FuzzLayout.CanaryGpa + offset + length; gpa += 8)
        {
            ulong found = *(ulong*)gpa;
            ulong expected = FuzzLayout.CanaryWord(gpa);
            if (found != expected)
            {
                Violation(block, FuzzLayout.ViolationCanary, gpa, expected, found, 0);
                // Counted once per word: put back, so the next check finds only new damage.
                *(ulong*)gpa = expected;
            }
        }
        block[FuzzLayout.CpuCanaryChecks] += length / 8;
    }

    /// <summary>Counts a violation of <paramref name="kind"/>; the vCPU's first is kept with its input and printed on COM1.</summary>
    private static void Violation(ulong* block, int kind, ulong a, ulong b, ulong c, ulong d)
    {
        block[FuzzLayout.CpuViolationsPerKind + kind - 1]++;
        if (block[FuzzLayout.CpuFirstViolationKind] != 0)
        {
            return;
        }
        block[FuzzLayout.CpuFirstViolationInput] = block[FuzzLayout.CpuInputs];
        block[FuzzLayout.CpuFirstViolationA] = a;
        block[FuzzLayout.CpuFirstViolationA + 1] = b;
        block[FuzzLayout.CpuFirstViolationA + 2] = c;
        block[FuzzLayout.CpuFirstViolationA + 3] = d;
        block[FuzzLayout.CpuFirstViolationKind] = (ulong)kind;
        Line line = default;
        line.Text("fuzz-violation");
        line.Field("kind", (ulong)kind);
        line.Field("input", block[FuzzLayout.CpuInputs]);
        line.HexField("a", a);
        line.HexField("b", b);
        line.HexField("c", c);
        line.HexField("d", d);
        Console.Write(ref line);
    }

    /// <summary>A hypercall's answer when its pointer argument is outside RAM (<see cref="FuzzOracle.JudgeBadPointer"/>).</summary>
    private static void JudgePointer(ulong* block, ulong number, ulong command, ulong vcpuArgument, ulong pointer, long result)
    {
        if (!FuzzOracle.OutsideRam(pointer, ramEnd))
        {
            return;
        }
        block[FuzzLayout.CpuOracleChecks]++;
        if (FuzzOracle.JudgeBadPointer(number, vcpuArgument, cpus, result) is var kind and not 0)
        {
            Violation(block, kind, number, command, pointer, (ulong)result);
        }
    }

    private static ulong WeightSum()
    {
        ulong sum = 0;
        for (int k = 0; k < Reset; k++)
        {
            sum += weights >> (FuzzLayout.WeightBits * k) & 63;
        }
        return sum == 0 ? 1 : sum;
    }

    private static int Pick(ulong r)
    {
        for (int k = 0; k < Reset; k++)
        {
            ulong w = weights >> (FuzzLayout.WeightBits * k) & 63;
            if (r < w)
            {
                return k;
            }
            r -= w;
        }
        return PortIn;
    }

    /// <summary>xorshift64* (Marsaglia; Vigna's multiplier): cheap, and the whole sequence follows from the seed.</summary>
    private static ulong Next(ref ulong s)
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1D;
    }

    private static void Do(int kind, ulong a, ulong b, ulong c, int cpu, ref ulong state)
    {
        switch (kind)
        {
            case PortOut:
                PortWrite(Port(a), (int)(b % 3), SanePortValue(Port(a), c));
                break;
            case PortIn:
                PortRead(Port(a), (int)(b % 3));
                break;
            case MsrRead:
                Msr.TryRead(MsrIndex(a), out _);
                break;
            case MsrWrite:
                MsrWriteInput(MsrIndex(a), b, c);
                break;
            case MmioRead:
                Mmio.Read32(MmioAddress(a, b));
                break;
            case MmioWrite:
                Mmio.Write32(MmioAddress(a, b), (uint)SaneApicValue(c));
                break;
            case Hypercall:
                if (xen)
                {
                    HypercallInput(a, b, c, ref state);
                }
                break;
            case EvtchnFifo:
                if (xen)
                {
                    FifoInput(a, b, c, cpu, ref state);
                }
                break;
            case Com2Request:
                Com2Input(a, b, c);
                break;
            default:
                ResetInput(a);
                break;
        }
    }

    // ---- port I/O ----

    /// <summary>Half the inputs at a port some device decodes (PIC, PIT, CMOS, UARTs, i8042, hypercall port), half anywhere.</summary>
    private static ushort Port(ulong a)
    {
        if ((a & 1) != 0)
        {
            return (ushort)(a >> 8);
        }
        ulong r = a >> 8;
        switch (r % 12)
        {
            case 0: return (ushort)(0x20 + (r >> 8) % 2);
            case 1: return (ushort)(0xA0 + (r >> 8) % 2);
            case 2: return (ushort)(0x40 + (r >> 8) % 4);
            case 3: return 0x61;
            case 4: return (ushort)(0x70 + (r >> 8) % 2);
            case 5: return (ushort)(0x3F8 + (r >> 8) % 8);
            case 6: return (ushort)(0x2F8 + (r >> 8) % 8);
            case 7: return (ushort)(0x60 + (r >> 8) % 5);
            case 8: return 0xE8;
            case 9: return (ushort)(0x4D0 + (r >> 8) % 2);
            case 10: return 0xCF9;
            default: return (ushort)(0x80 + (r >> 8) % 32);
        }
    }

    /// <summary>
    /// Writes that would end or reset the machine are the reset input's business (so they stay rare and counted as such):
    /// isa-debug-exit (0xF4) is skipped, and the reset bits of 0xCF9 (bit 2), 0x92 (bit 0) and the i8042's 0xFE command are cleared.
    /// </summary>
    private static ulong SanePortValue(ushort port, ulong value) => port switch
    {
        0xCF9 => value & ~4UL,
        0x92 => value & ~1UL,
        0x64 => (value & 0xF0) == 0xF0 ? value & ~0xFUL | 0xF : value,
        _ => value,
    };

    private static void PortWrite(ushort port, int size, ulong value)
    {
        if (port == 0xF4)
        {
            return;
        }
        if (size == 0)
        {
            Native.Gate(GateOp.Out8, port, value & 0xFF, 0);
        }
        else if (size == 1)
        {
            Ports.Out16(port, (ushort)value);
        }
        else
        {
            Ports.Out32(port, (uint)value);
        }
    }

    private static void PortRead(ushort port, int size)
    {
        if (size == 0)
        {
            Native.Gate(GateOp.In8, port, 0, 0);
        }
        else if (size == 1)
        {
            Ports.In16(port);
        }
        else
        {
            Ports.In32(port);
        }
    }

    // ---- MSRs ----

    /// <summary>Half at the MSRs the VMM's filter routes to it (APIC base, TSC deadline, x2APIC, Xen page, kvmclock), the rest at architectural and random indices.</summary>
    private static uint MsrIndex(ulong a)
    {
        ulong r = a >> 4;
        switch (a & 7)
        {
            case 0: return 0x800 + (uint)(r % 0x100);
            case 1: return 0x800 + (uint)(r % 0x40);
            case 2:
                switch (r % 8)
                {
                    case 0: return 0x1B;
                    case 1: return 0x6E0;
                    case 2: return 0x40000200;
                    case 3: return 0x11;
                    case 4: return 0x12;
                    case 5: return 0x4B564D00;
                    case 6: return 0x4B564D01;
                    default: return 0x40000000 + (uint)(r >> 3) % 0x400;
                }
            case 3: return (uint)(r % 0x2000);
            case 4: return 0xC0000000 + (uint)(r % 0x200);
            default: return (uint)r;
        }
    }

    /// <summary>
    /// MSRs whose random value would take the probe's own machine away (TSC, syscall and segment bases, EFER, PAT,
    /// MTRRs, SPEC_CTRL, kvm_pvm's own range): only read. Everything else is written, guest #GP being an answer.
    /// </summary>
    private static bool Disruptive(uint msr) =>
        msr is 0x10 or 0x3A or 0x48 or 0x49 or 0x174 or 0x175 or 0x176 or 0x277 or 0x2FF or 0xC0000080 or 0xC0000081 or 0xC0000082
            or 0xC0000083 or 0xC0000084 or 0xC0000100 or 0xC0000101 or 0xC0000102 or 0xC0000103
        || (msr >= 0x200 && msr < 0x270) || (msr >= 0x4B564DF0 && msr <= 0x4B564DFF) || (msr >= 0xC0010000 && msr < 0xC0020000);

    private static void MsrWriteInput(uint msr, ulong b, ulong c)
    {
        if (Disruptive(msr))
        {
            Msr.TryRead(msr, out _);
            return;
        }
        ulong value = msr switch
        {
            // The LAPIC stays at its base and enabled; EXTD flips (x2APIC on, and off only through disabled: #GP).
            0x1B => 0xFEE00000 | 0x800 | (b & 0x500),
            // Pages the VMM writes (hypercall page, kvmclock areas): scratch, above RAM or unbacked, never the probe.
            0x40000200 or 0x11 or 0x12 or 0x4B564D00 or 0x4B564D01 => Pointer(b) | (c & 1),
            _ => (b & 1) != 0 ? SaneApicValue(c) : Interesting(c),
        };
        Msr.TryWrite(msr, value);
    }

    // ---- MMIO ----

    private static ulong MmioAddress(ulong a, ulong b)
    {
        ulong offset = b & 0xFFC;
        switch (a % 8)
        {
            case 0:
            case 1: return 0xFEE00000 + offset;
            case 2: return 0xFEC00000 + (b & 0x7C);
            case 3: return 0xFEC00000 + offset;
            case 4: return 0xFED00000 + (b & 0x3FC);
            case 5: return 0xFED00000 + offset;
            case 6: return 0xFEE01000 + (b & 0xFFFC);
            default: return 0x40000000 + (a >> 3) % 0xBEC00000 & ~3UL;
        }
    }

    /// <summary>
    /// A value for an APIC-shaped register (LVT, ICR, IOAPIC redirection, HPET route): vectors 8..31 move up by 32 and
    /// INIT, SIPI, SMI and ExtINT become fixed, so the stray interrupts the fuzz causes arrive as vectors the probe can
    /// tell from its own exceptions and no vCPU is sent back to wait-for-SIPI. Vectors 0..7 stay: the LAPIC must refuse them.
    /// </summary>
    private static ulong SaneApicValue(ulong v)
    {
        ulong vector = v & 0xFF;
        if (vector >= 8 && vector < 32)
        {
            v += 0x20;
        }
        ulong mode = v >> 8 & 7;
        if (mode is 2 or 5 or 6 or 7)
        {
            v &= ~0x700UL;
        }
        return v;
    }

    // ---- Xen ----

    /// <summary>
    /// An address for the hypervisor to read or write: the scratch area (half), or outside RAM (<see cref="BadPointer"/>).
    /// </summary>
    private static ulong Pointer(ulong r) => (r & 7) switch
    {
        0 or 1 or 2 => ScratchGpa + (r >> 3) % ScratchSize,
        3 => ScratchGpa + (r >> 3) % ScratchSize & ~0xFFFUL,
        _ => BadPointer(r >> 3),
    };

    /// <summary>
    /// An address no access of the hypervisor may succeed at: unbacked space below 4 GiB, just past RAM, straddling its
    /// last byte, an MMIO page (IOAPIC, HPET, LAPIC: device registers are not memory to copy_from_guest), above 4 GiB,
    /// the top of the address space, non-canonical.
    /// </summary>
    private static ulong BadPointer(ulong r) => (r & 7) switch
    {
        0 => 0x40000000 + (r >> 3) % 0x80000000,
        1 => ramEnd + (r >> 3) % 0x2000,
        2 => ramEnd - 1,
        3 => ((r >> 3) % 3) switch { 0 => 0xFEC00000UL, 1 => 0xFED00000UL, _ => 0xFEE00000UL } + (r >> 5) % 0x1000,
        4 => (r >> 3) | 1UL << 40,
        5 => 0xFFFFFFFFFFFFFFFF - (r >> 3) % 0x10000,
        _ => 0xFFFF800000000000 | r >> 3,
    };

    /// <summary>
    /// A word for an argument or structure field: the small numbers, page frames and edges handlers switch on. Every word
    /// is also read as an address or frame by some handler, so none lands on the probe's own memory (1 MiB to the end of
    /// scratch, frames 0x100..0x85F): small numbers stay below 256 (frames under 1 MiB), and wide ones start past RAM.
    /// </summary>
    private static ulong Interesting(ulong r) => (r & 15) switch
    {
        0 => 0,
        1 => 1,
        2 or 3 or 4 => (r >> 4) % 64,
        5 => (r >> 4) % 256,
        6 => Pointer(r >> 4),
        7 => Pointer(r >> 4) >> 12,
        8 => 0xFFFFFFFFFFFFFFFF,
        9 => 0x7FF0 | (r >> 4) % 4,
        10 => 0x80000000,
        11 => RamTop + (r >> 4) % (0x100000000 - RamTop),
        _ => r,
    };

    private static void HypercallInput(ulong a, ulong b, ulong c, ref ulong state)
    {
        ulong number = (a & 3) == 0 ? (a >> 2) % 64 : ((a % 7) switch
        {
            0 => 29, // sched_op
            1 => 32, // event_channel_op
            2 => 34, // hvm_op
            3 => 12, // memory_op
            4 => 24, // vcpu_op
            5 => 17, // xen_version
            _ => 15, // set_timer_op
        });
        ulong command = (b & 3) != 0 ? (b >> 2) % 40 : Interesting(b >> 2);
        // SCHEDOP_block, _shutdown, _poll, _remote_shutdown (public/sched.h) and VCPUOP_down (public/vcpu.h): a shutdown is
        // the reset input's business; the others park a vCPU for good (no upcall is bound to wake it), so they yield instead.
        if ((number == 29 && command is 1 or 2 or 3 or 4) || (number == 24 && command == 2))
        {
            command = 0;
        }
        // The argument structure: up to 64 bytes of interesting words at a scratch address (or a bad pointer itself).
        ulong argument = Pointer(c);
        // Compared without adding to the pointer: an all-ones pointer plus 64 wraps to a small number (the fuzzer's own
        // first finding, seed 7134611160154358618 input 424: the probe wrote to 0xffffffffffffffdc).
        if (argument >= ScratchGpa && argument <= ScratchGpa + ScratchSize - 64)
        {
            for (int i = 0; i < 8; i++)
            {
                ((ulong*)argument)[i] = Interesting(Next(ref state));
            }
        }
        ulong* call = stackalloc ulong[6];
        call[0] = XenTime.Entry(number);
        call[1] = command;
        call[2] = argument;
        call[3] = Interesting(Next(ref state));
        call[4] = Interesting(Next(ref state));
        call[5] = Interesting(Next(ref state));
        int pointerArgument = FuzzOracle.PointerArgument(number, command);
        if (number == FuzzOracle.VcpuOp)
        {
            // vcpu_op(cmd, vcpuid, arg): the structure goes to RDX, and RSI names a vCPU (or one past the last).
            call[3] = argument;
            call[2] = (c >> 3) % (ulong)(cpus + 1);
        }
        long result = (long)Native.Gate(GateOp.XenHypercallFive, (ulong)call, 0, 0);
        if (pointerArgument != 0)
        {
            JudgePointer(CpuBlock(Cpu.Index), number, command, call[2], call[1 + pointerArgument], result);
        }
    }

    /// <summary>EVTCHNOP_init_control for this vCPU and (BSP) EVTCHNOP_expand_array: the FIFO ABI the word inputs then abuse.</summary>
    private static void InitFifo(int cpu, ref ulong state)
    {
        ulong* request = stackalloc ulong[3];
        request[0] = (ControlBlocksGpa + (ulong)cpu * 0x1000) / 0x1000;
        request[1] = (ulong)(uint)cpu << 32;
        request[2] = 0;
        XenEvents.Op(EvtchnOp.InitControl, request);
        if (cpu == 0)
        {
            ulong gfn = EventArrayGpa / 0x1000;
            XenEvents.Op(EvtchnOp.ExpandArray, &gfn);
        }
        Next(ref state);
    }

    /// <summary>A FIFO event word rewritten (PENDING/MASKED/LINKED/BUSY and a LINK), or an event-channel operation on ports below 256 (as frames, under 1 MiB).</summary>
    private static void FifoInput(ulong a, ulong b, ulong c, int cpu, ref ulong state)
    {
        if ((a & 1) != 0)
        {
            uint* words = (a & 2) != 0 ? (uint*)EventArrayGpa : (uint*)(ControlBlocksGpa + (ulong)cpu * 0x1000);
            words[(b >> 8) % 1024] = (uint)(c & 0xF0000000 | (c >> 32) % 256);
            return;
        }
        ulong command = (b & 15) switch
        {
            0 or 11 => EvtchnOp.Send,
            1 => EvtchnOp.Unmask,
            2 => EvtchnOp.AllocUnbound,
            3 => EvtchnOp.BindIpi,
            4 => EvtchnOp.BindVirq,
            5 => EvtchnOp.Close,
            6 => EvtchnOp.SetPriority,
            7 => EvtchnOp.Status,
            8 => EvtchnOp.InitControl,
            9 => EvtchnOp.ExpandArray,
            10 => EvtchnOp.BindInterdomain,
            _ => (b >> 4) % 16,
        };
        ulong* block = CpuBlock(cpu);
        if ((a & 0x18) == 0x18)
        {
            // The request itself outside RAM: every EVTCHNOP_ copies its structure first (-EFAULT), or does not exist (-ENOSYS).
            ulong pointer = BadPointer(c);
            JudgePointer(block, FuzzOracle.EventChannelOp, command, 0, pointer, XenEvents.Op(command, (void*)pointer));
            return;
        }
        // On this vCPU's stack, not in scratch: the judge compares the answer with the words it wrote, and scratch is
        // shared with the other vCPUs' inputs and with records the hypervisor was told to put there (seed
        // 2899093555893458477: bind_virq judged on VIRQ 0xb29f9045 answered -ENOENT, for words another vCPU had written).
        uint* request = stackalloc uint[8];
        for (int i = 0; i < 8; i++)
        {
            request[i] = EventChannelWord(Next(ref state));
        }
        // DOMID_SELF as the first domid_t (alloc_unbound, status, bind_interdomain), remote domain 0: the host backend's.
        request[0] = (a & 4) != 0 ? 0x7FF0 : request[0];
        uint w0 = request[0], w1 = request[1], w2 = request[2], w3 = request[3];
        long result = XenEvents.Op(command, request);
        block[FuzzLayout.CpuOracleChecks]++;
        uint portOut = request[FuzzOracle.PortOutWord(command)];
        if (FuzzOracle.JudgeEventChannel(command, w0, w1, w2, w3, portOut, cpus, ramEnd >> 12, result) is var kind and not 0)
        {
            Violation(block, kind, command, (ulong)w1 << 32 | w0, (ulong)w3 << 32 | w2, (ulong)result);
        }
    }

    /// <summary>
    /// A word of an event-channel request (a port, vCPU, VIRQ, priority, offset, domid or half a frame number): small
    /// (ports and frames under 1 MiB, which nothing of the probe uses), past RAM, random, or an edge of the ABI: the
    /// priorities' and VIRQs' ends, the event array's page and port limits (1024 per page, 2^17), DOMID_SELF, RAM's last
    /// frame and the first past it. The page edges are those of the third page, 3071 and 3072: as frames (init_control,
    /// expand_array clear what they name) 1023 and 1024 would be the probe's own stacks.
    /// </summary>
    private static uint EventChannelWord(ulong r)
    {
        ulong v = r >> 3;
        switch (r & 7)
        {
            case 0:
            case 1: return (uint)(v % 16);
            case 2:
            case 3: return (uint)(v % 256);
            case 4: return (uint)(RamTop + v % (0x100000000 - RamTop));
            case 5:
            case 6:
                switch (v % 18)
                {
                    case 0: return 0;
                    case 1: return 15;
                    case 2: return 16;
                    case 3: return 23;
                    case 4: return 24;
                    case 5: return 3071;
                    case 6: return 3072;
                    case 7: return 4095;
                    case 8: return 4096;
                    case 9: return FuzzOracle.PortLimit - 1;
                    case 10: return FuzzOracle.PortLimit;
                    case 11: return 0x7FF0;
                    case 12: return 0xFFFF;
                    case 13: return 0xFFFFFFFF;
                    case 14: return (uint)(ramEnd >> 12) - 1;
                    case 15: return (uint)(ramEnd >> 12);
                    case 16: return 4096 - FuzzOracle.ControlBlockSize;
                    default: return 4096 - FuzzOracle.ControlBlockSize + 8;
                }
            default: return (uint)v;
        }
    }

    // ---- COM2 ----

    /// <summary>A malformed (or well-formed but absurd) RIG-REQ line to the host's COM2 reader: odd sequence numbers, unknown actions, bad fields, no end.</summary>
    private static void Com2Input(ulong a, ulong b, ulong c)
    {
        Line line = default;
        if ((a & 3) != 0)
        {
            line.Text("RIG-REQ ");
        }
        switch (a >> 2 & 3)
        {
            case 0: line.Decimal(b); break;
            case 1: line.Text("-1"); break;
            case 2: line.Hex(b); break;
            default: break;
        }
        line.Byte((byte)' ');
        switch ((a >> 4) & 7)
        {
            case 0: line.Text("pause"); break;
            case 1: line.Text("nmi"); break;
            case 2: line.Text("mce"); break;
            case 3: line.Text("snapshot-revert"); break;
            case 4: line.Text("host-time"); break;
            case 5: line.Text("calibration-period"); break;
            case 6: line.Text("no-such-action"); break;
            default: break;
        }
        int fields = (int)(a >> 7 & 3);
        for (int i = 0; i < fields; i++)
        {
            switch ((c >> (4 * i)) & 7)
            {
                case 0: line.Field("us", c >> 20); break;
                case 1: line.Field("cpu", (c >> 20) % 64); break;
                case 2: line.HexField("status", c); break;
                case 3: line.TextField("name", "x"); break;
                case 4: line.Text("="); break;
                case 5: line.Field("period-us", c >> 40); break;
                default: line.Text("key="); break;
            }
        }
        byte* storage = stackalloc byte[Line.Capacity];
        byte* bytes = line.Finish(storage, out int count);
        // Without its newline a request stays pending in the host's framer until the next one arrives.
        Ports.OutString8(Control.Com2, bytes, (a & 0x200) != 0 ? count - 1 : count);
    }

    // ---- resets ----

    /// <summary>A reset or shutdown at a random point (the other vCPUs go on meanwhile): 0xCF9, the i8042, SCHEDOP_shutdown(reboot), a triple fault.</summary>
    private static void ResetInput(ulong a)
    {
        switch (a % 4)
        {
            case 0:
                Ports.Out8(0xCF9, 0x06);
                break;
            case 1:
                Ports.Out8(0x64, 0xFE);
                break;
            case 2:
                if (xen)
                {
                    // struct sched_shutdown { unsigned int reason; }: SHUTDOWN_reboot (public/sched.h).
                    uint* reason = (uint*)ScratchGpa;
                    *reason = 1;
                    Native.Gate(GateOp.XenHypercall, XenTime.Entry(29), 2, (ulong)reason);
                }
                break;
            default:
                Native.Gate(GateOp.TripleFault, 0, 0, 0);
                break;
        }
    }

    // ---- exceptions and stray interrupts ----

    /// <summary>
    /// Vectors 0..31 that reach C#: the fuzz's own stray interrupts (an IOAPIC or LVT programmed with a low vector, an
    /// NMI) are counted and resumed; an exception that comes back at the same RIP 64 times is a real fault of the probe
    /// and is reported as the guest's error with its address.
    /// </summary>
    private static void OnException(EventFrame* frame)
    {
        ulong* block = CpuBlock(Cpu.Index);
        if (block[FuzzLayout.CpuFaultRip] == frame->Rip)
        {
            block[FuzzLayout.CpuFaultRepeats]++;
            if (block[FuzzLayout.CpuFaultRepeats] > 64)
            {
                Runtime.UnexpectedException(frame);
            }
        }
        else
        {
            block[FuzzLayout.CpuFaultRip] = frame->Rip;
            block[FuzzLayout.CpuFaultRepeats] = 0;
        }
        block[FuzzLayout.CpuStrays]++;
    }

    private static void Trace(int cpu, ulong i, int kind, ulong a, ulong b, ulong c)
    {
        Line line = default;
        line.Text("fuzz-input");
        line.Field("cpu", (ulong)cpu);
        line.Field("i", i);
        line.Field("if", (ulong)kind);
        line.HexField("a", a);
        line.HexField("b", b);
        line.HexField("c", c);
        Console.Write(ref line);
    }
}
