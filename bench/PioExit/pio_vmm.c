/*
 * pio_vmm: the smallest VMM that can run the PIO-exit benchmark guest, as the yardstick rig-hv is measured against
 * (issue 3: rig-hv's port-I/O round trip within 1.2x of a minimal C VMM).
 *
 * One VM, one vCPU, no in-kernel irqchip (rig-hv's default is its own user-space irqchip too), RAM at physical 0.
 * The guest is a flat binary loaded at LOAD_ADDRESS (>= 1 MiB) and entered there, in the state the PVH boot ABI gives
 * (xen/include/public/arch-x86/hvm/start_info.h, docs/misc/pvh.pandoc): 32-bit protected mode, paging off,
 * CS a flat 32-bit code segment (selector 0x10), DS/ES/SS flat data (0x18). rig-hv boots the same bytes from a PVH ELF.
 *
 * Every KVM_EXIT_IO write to COUNT_PORT is counted; a write to STOP_PORT ends the run and its value is the guest's verdict
 * (0 = loop finished, otherwise the exception vector that stopped it).
 *
 * usage: pio_vmm GUEST.bin LOAD_ADDRESS COUNT_PORT STOP_PORT
 * prints: exits=N stop_value=V loop_ns=T ns_per_exit=X
 * exit status: 0 if the guest stopped with value 0, 1 if it stopped with another value, 2 on any VMM or KVM failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAM_BYTES (64UL << 20)
#define MIN_LOAD_ADDRESS 0x100000UL
#define MAX_CPUID_ENTRIES 256

static void die(const char *what)
{
    fprintf(stderr, "pio_vmm: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void fail(const char *what)
{
    fprintf(stderr, "pio_vmm: %s\n", what);
    exit(2);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static unsigned long parse_number(const char *text, unsigned long min, unsigned long max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 0);
    if (*text == '\0' || *end != '\0' || errno != 0 || value < min || value > max) {
        fprintf(stderr, "pio_vmm: %s must be a number in 0x%lx..0x%lx\n", what, min, max);
        exit(2);
    }
    return value;
}

static void load_guest(const char *path, uint8_t *ram, uint64_t load_address)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die(path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    if (st.st_size <= 0 || (uint64_t)st.st_size > RAM_BYTES - load_address)
        fail("guest image is empty or does not fit in RAM above its load address");
    size_t done = 0;
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, ram + load_address + done, (size_t)st.st_size - done);
        if (n <= 0)
            die("read guest image");
        done += (size_t)n;
    }
    close(fd);
}

/* A flat 4 GiB segment as the PVH entry state describes it (SDM Vol. 3 3.4.5 for the descriptor fields). */
static struct kvm_segment flat_segment(uint16_t selector, uint8_t type)
{
    struct kvm_segment s = {
        .base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
    return s;
}

static void set_pvh_entry_state(int vcpu, uint64_t entry)
{
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    sregs.cs = flat_segment(0x10, 0xb);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x18, 0x3);
    /* VM entry requires a usable TR even though the guest loads its own (SDM Vol. 3 27.3.1.2). */
    sregs.tr.type = 0xb;
    sregs.tr.present = 1;
    sregs.tr.limit = 0x67;
    sregs.cr0 = 0x11; /* PE, ET */
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");

    struct kvm_regs regs = {0};
    regs.rip = entry;
    regs.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
}

/* The guest enters long mode, so the vCPU must advertise it: pass on what KVM supports. */
static void set_cpuid(int kvm, int vcpu)
{
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
    if (cpuid == NULL)
        fail("out of memory");
    cpuid->nent = MAX_CPUID_ENTRIES;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
        die("KVM_GET_SUPPORTED_CPUID");
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
        die("KVM_SET_CPUID2");
    free(cpuid);
}

/* Where the vCPU stood when the run went wrong: enough to tell a setup mistake from a refused instruction. */
static void fail_with_state(int vcpu, const char *what)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    fprintf(stderr, "pio_vmm: %s\n", what);
    if (ioctl(vcpu, KVM_GET_REGS, &regs) == 0 && ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0)
        fprintf(stderr, "  rip=0x%llx rsp=0x%llx rflags=0x%llx cs=0x%x cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx\n",
                (unsigned long long)regs.rip, (unsigned long long)regs.rsp, (unsigned long long)regs.rflags,
                sregs.cs.selector, (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
                (unsigned long long)sregs.cr4, (unsigned long long)sregs.efer);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: pio_vmm GUEST.bin LOAD_ADDRESS COUNT_PORT STOP_PORT\n");
        return 2;
    }
    uint64_t load_address = parse_number(argv[2], MIN_LOAD_ADDRESS, RAM_BYTES - 1, "LOAD_ADDRESS");
    unsigned long count_port = parse_number(argv[3], 0, 0xffff, "COUNT_PORT");
    unsigned long stop_port = parse_number(argv[4], 0, 0xffff, "STOP_PORT");

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");

    uint8_t *ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap RAM");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_BYTES, .userspace_addr = (uint64_t)(uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");
    load_guest(argv[1], ram, load_address);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    set_cpuid(kvm, vcpu);
    set_pvh_entry_state(vcpu, load_address);

    uint64_t exits = 0, first_ns = 0, stop_ns = 0;
    int stop_value = -1;
    while (stop_value < 0) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (run->io.direction != KVM_EXIT_IO_OUT)
                break; /* reads see whatever is in the data page: the guest never reads ports */
            if (run->io.port == count_port) {
                if (exits == 0)
                    first_ns = now_ns();
                exits += run->io.count;
            } else if (run->io.port == stop_port) {
                stop_ns = now_ns();
                stop_value = ((uint8_t *)run)[run->io.data_offset];
            }
            break;
        case KVM_EXIT_HLT:
            fail_with_state(vcpu, "guest halted without writing the stop port");
            break;
        case KVM_EXIT_SHUTDOWN:
            fail_with_state(vcpu, "guest shut down (triple fault)");
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, "pio_vmm: KVM internal error, suberror %u\n", run->internal.suberror);
            fail_with_state(vcpu, "stopped");
            break;
        case KVM_EXIT_FAIL_ENTRY:
            fprintf(stderr, "pio_vmm: VM entry failed, reason 0x%llx\n",
                    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            return 2;
        default:
            fprintf(stderr, "pio_vmm: unexpected exit reason %u\n", run->exit_reason);
            return 2;
        }
    }

    /* The stop write is one more exit of the same kind, so exits intervals span first..stop. */
    uint64_t loop_ns = exits > 0 ? stop_ns - first_ns : 0;
    printf("exits=%llu stop_value=%d loop_ns=%llu ns_per_exit=%.1f\n", (unsigned long long)exits, stop_value,
           (unsigned long long)loop_ns, exits > 0 ? (double)loop_ns / (double)exits : 0.0);
    return stop_value == 0 ? 0 : 1;
}
