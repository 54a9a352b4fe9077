/**
 * A seccomp filter for sandboxed processes, compiled by hand to classic BPF: the raw
 * `struct sock_filter` array that `bwrap --seccomp FD` reads and passes to the kernel. No maintained
 * npm package assembles seccomp programs, and the policy is small enough to write out.
 *
 * Policy, in order:
 * 1. A syscall made under another ABI than the expected one (i386 or x32 on x86_64, AArch32 on
 *    arm64) kills the process: the numbers below only mean something for one ABI, so a foreign
 *    ABI would walk past the whole denylist.
 * 2. Syscalls that reach the kernel's mount, namespace, module, tracing and keyring surfaces fail
 *    with EPERM; `clone3` fails with ENOSYS so libc falls back to `clone`, whose flags a classic
 *    BPF filter can read (clone3 passes them in memory, out of the filter's reach).
 * 3. `clone` with a namespace flag and `ioctl(fd, TIOCSTI, …)` (typing into the caller's
 *    terminal) fail with EPERM.
 * 4. Everything else is allowed: this is a denylist on top of the namespaces, not a full profile.
 */

// struct sock_filter opcodes (linux/bpf_common.h), combined below as the kernel's macros do.
const BPF_LD = 0x00;
const BPF_JMP = 0x05;
const BPF_RET = 0x06;
const BPF_W = 0x00;
const BPF_ABS = 0x20;
const BPF_JEQ = 0x10;
const BPF_JGE = 0x30;
const BPF_JSET = 0x40;
const BPF_K = 0x00;

// Return actions (linux/seccomp.h). ERRNO carries the errno in its low 16 bits.
const SECCOMP_RET_KILL_PROCESS = 0x8000_0000;
const SECCOMP_RET_ERRNO = 0x0005_0000;
const SECCOMP_RET_ALLOW = 0x7fff_0000;

// Offsets into struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }.
// Arguments are read as their low 32 bits (little-endian): the kernel itself truncates clone's
// flags and ioctl's request to 32 bits, so comparing 64 bits would let high garbage bits through.
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const offsetOfArgLow = (index: number) => 16 + 8 * index;

const EPERM = 1;
const ENOSYS = 38;

const AUDIT_ARCH_X86_64 = 0xc000_003e;
const AUDIT_ARCH_AARCH64 = 0xc000_00b7;
/** x32 syscalls are x86_64 numbers with this bit set, under the same AUDIT_ARCH_X86_64. */
const X32_SYSCALL_BIT = 0x4000_0000;

const TIOCSTI = 0x5412;
const CLONE_NAMESPACE_FLAGS =
  0x0002_0000 | // CLONE_NEWNS
  0x0200_0000 | // CLONE_NEWCGROUP
  0x0400_0000 | // CLONE_NEWUTS
  0x0800_0000 | // CLONE_NEWIPC
  0x1000_0000 | // CLONE_NEWUSER
  0x2000_0000 | // CLONE_NEWPID
  0x4000_0000; // CLONE_NEWNET

type SyscallTable = Readonly<Record<string, number>>;

interface ArchPolicy {
  auditArch: number;
  denyX32: boolean;
  syscalls: SyscallTable;
}

/**
 * Numbers from the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl and
 * include/uapi/asm-generic/unistd.h, which arm64 uses). Every syscall of the policy exists on
 * both; the mount API (fsopen … mount_setattr) and clone3 share numbers across architectures.
 */
const X86_64_SYSCALLS: SyscallTable = {
  ioctl: 16,
  clone: 56,
  ptrace: 101,
  syslog: 103,
  personality: 135,
  pivot_root: 155,
  chroot: 161,
  acct: 163,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  init_module: 175,
  delete_module: 176,
  quotactl: 179,
  lookup_dcookie: 212,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  mount_setattr: 442,
};

const AARCH64_SYSCALLS: SyscallTable = {
  lookup_dcookie: 18,
  ioctl: 29,
  umount2: 39,
  mount: 40,
  pivot_root: 41,
  chroot: 51,
  quotactl: 60,
  acct: 89,
  personality: 92,
  unshare: 97,
  kexec_load: 104,
  init_module: 105,
  delete_module: 106,
  syslog: 116,
  ptrace: 117,
  reboot: 142,
  add_key: 217,
  request_key: 218,
  keyctl: 219,
  clone: 220,
  swapon: 224,
  swapoff: 225,
  perf_event_open: 241,
  name_to_handle_at: 264,
  open_by_handle_at: 265,
  setns: 268,
  process_vm_readv: 270,
  process_vm_writev: 271,
  finit_module: 273,
  bpf: 280,
  userfaultfd: 282,
  kexec_file_load: 294,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  mount_setattr: 442,
};

const ARCH_POLICIES: Readonly<Record<string, ArchPolicy>> = {
  x64: { auditArch: AUDIT_ARCH_X86_64, denyX32: true, syscalls: X86_64_SYSCALLS },
  arm64: { auditArch: AUDIT_ARCH_AARCH64, denyX32: false, syscalls: AARCH64_SYSCALLS },
};

/** Fail with EPERM whatever the arguments. A name missing from an arch's table is skipped. */
const DENIED_SYSCALLS = [
  'mount',
  'umount2',
  'pivot_root',
  'chroot',
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'reboot',
  'swapon',
  'swapoff',
  'unshare',
  'setns',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'keyctl',
  'add_key',
  'request_key',
  'acct',
  'quotactl',
  'open_by_handle_at',
  'name_to_handle_at',
  'lookup_dcookie',
  'syslog',
  'personality',
  'fsopen',
  'fsmount',
  'fsconfig',
  'fspick',
  'move_mount',
  'open_tree',
  'mount_setattr',
] as const;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const load = (offset: number): Instruction => ({ code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: offset });
const ret = (action: number): Instruction => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: action });
/** Jumps are relative to the next instruction: `jt`/`jf` instructions are skipped. */
const jump = (op: number, k: number, jt: number, jf: number): Instruction => ({
  code: BPF_JMP | op | BPF_K,
  jt,
  jf,
  k,
});
const errno = (value: number) => SECCOMP_RET_ERRNO | value;

/** `if (A == nr) return action;` — two instructions, so no jump ever needs a far offset. */
const returnIf = (nr: number, action: number) => [jump(BPF_JEQ, nr, 0, 1), ret(action)];

/**
 * `if (nr == syscall) return (arg & mask) matches ? action : ALLOW;` It clobbers the accumulator,
 * which is why it ends in a return of its own either way.
 */
function returnIfArg(nr: number, arg: number, test: Instruction, action: number): Instruction[] {
  return [
    jump(BPF_JEQ, nr, 0, 4),
    load(offsetOfArgLow(arg)),
    test, // true → the next instruction, false → skip it
    ret(action),
    ret(SECCOMP_RET_ALLOW),
  ];
}

/**
 * The filter for processes on `arch` (a `process.arch` value), as the bytes of a
 * `struct sock_filter[]` in the host's byte order (little-endian on both supported arches).
 * Throws for an arch without a syscall table: a filter for the wrong ABI would be worse than none.
 */
export function seccompProgram(arch: string = process.arch): Buffer {
  const policy = ARCH_POLICIES[arch];
  if (!policy) throw new Error(`no seccomp policy for arch ${arch} (supported: x64, arm64)`);
  const nr = (name: string) => policy.syscalls[name];

  const program: Instruction[] = [
    load(OFFSET_ARCH),
    jump(BPF_JEQ, policy.auditArch, 1, 0),
    ret(SECCOMP_RET_KILL_PROCESS),
    load(OFFSET_NR),
  ];
  if (policy.denyX32) program.push(jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1), ret(SECCOMP_RET_KILL_PROCESS));
  for (const name of DENIED_SYSCALLS) {
    const number = nr(name);
    if (number !== undefined) program.push(...returnIf(number, errno(EPERM)));
  }
  const clone3 = nr('clone3');
  if (clone3 !== undefined) program.push(...returnIf(clone3, errno(ENOSYS)));
  // Both blocks below load an argument, so they come last and end in their own returns.
  const ioctl = nr('ioctl');
  if (ioctl !== undefined) {
    program.push(...returnIfArg(ioctl, 1, jump(BPF_JEQ, TIOCSTI, 0, 1), errno(EPERM)));
  }
  // clone's flags are its first argument on both x86_64 and arm64 (CONFIG_CLONE_BACKWARDS).
  const clone = nr('clone');
  if (clone !== undefined) {
    program.push(...returnIfArg(clone, 0, jump(BPF_JSET, CLONE_NAMESPACE_FLAGS, 0, 1), errno(EPERM)));
  }
  program.push(ret(SECCOMP_RET_ALLOW));
  return encode(program);
}

function encode(program: readonly Instruction[]): Buffer {
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    const at = index * 8;
    bytes.writeUInt16LE(instruction.code, at);
    bytes.writeUInt8(instruction.jt, at + 2);
    bytes.writeUInt8(instruction.jf, at + 3);
    bytes.writeUInt32LE(instruction.k >>> 0, at + 4);
  });
  return bytes;
}
