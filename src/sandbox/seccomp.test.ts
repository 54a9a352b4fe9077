import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seccompProgram } from './seccomp.ts';

const KILL_PROCESS = 0x8000_0000;
const ALLOW = 0x7fff_0000;
const EPERM = 0x0005_0001;
const ENOSYS = 0x0005_0026;
const AUDIT_ARCH_X86_64 = 0xc000_003e;
const AUDIT_ARCH_AARCH64 = 0xc000_00b7;
const AUDIT_ARCH_I386 = 0x4000_0003;
const CLONE_NEWUSER = 0x1000_0000;
const SIGCHLD = 17;
const TIOCSTI = 0x5412;
const TCGETS = 0x5401;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function decode(program: Buffer): Instruction[] {
  const instructions: Instruction[] = [];
  for (let at = 0; at < program.length; at += 8) {
    instructions.push({
      code: program.readUInt16LE(at),
      jt: program.readUInt8(at + 2),
      jf: program.readUInt8(at + 3),
      k: program.readUInt32LE(at + 4),
    });
  }
  return instructions;
}

/**
 * A classic-BPF interpreter for the opcodes the filter uses, so the policy can be checked for
 * both arches on any host. It throws on anything else, and on a jump out of the program, as the
 * kernel's verifier would refuse it.
 */
function evaluate(program: Buffer, data: { arch: number; nr: number; args?: number[] }): number {
  const instructions = decode(program);
  let accumulator = 0;
  for (let pc = 0; pc < instructions.length; pc++) {
    const { code, jt, jf, k } = instructions[pc] as Instruction;
    if (code === 0x20) {
      if (k === 0) accumulator = data.nr >>> 0;
      else if (k === 4) accumulator = data.arch;
      else if (k >= 16 && (k - 16) % 8 === 0) accumulator = (data.args?.[(k - 16) / 8] ?? 0) >>> 0;
      else throw new Error(`load from offset ${k}`);
    } else if (code === 0x06) return k;
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
    else if (code === 0x45) pc += (accumulator & k) !== 0 ? jt : jf;
    else throw new Error(`opcode ${code.toString(16)}`);
    if (pc + 1 >= instructions.length) throw new Error('jump out of the program');
  }
  throw new Error('fell off the end of the program');
}

describe('seccompProgram layout', () => {
  it('is a whole number of 8-byte sock_filter entries, within the kernel limit of 4096', () => {
    for (const arch of ['x64', 'arm64']) {
      const program = seccompProgram(arch);
      expect(program.length % 8).toBe(0);
      expect(program.length / 8).toBeLessThan(4096);
    }
  });

  it('first loads the arch, kills any other arch and ends by allowing', () => {
    const instructions = decode(seccompProgram('x64'));
    expect(instructions[0]).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
    expect(instructions[1]).toEqual({ code: 0x15, jt: 1, jf: 0, k: AUDIT_ARCH_X86_64 });
    expect(instructions[2]).toEqual({ code: 0x06, jt: 0, jf: 0, k: KILL_PROCESS });
    expect(instructions.at(-1)).toEqual({ code: 0x06, jt: 0, jf: 0, k: ALLOW });
    expect(decode(seccompProgram('arm64'))[1]?.k).toBe(AUDIT_ARCH_AARCH64);
  });

  it('refuses an arch it has no syscall table for', () => {
    expect(() => seccompProgram('ia32')).toThrow(/no seccomp policy for arch ia32/);
  });
});

describe('seccompProgram policy (interpreted)', () => {
  const x64 = seccompProgram('x64');
  const arm64 = seccompProgram('arm64');
  const onX64 = (nr: number, args?: number[]) => evaluate(x64, { arch: AUDIT_ARCH_X86_64, nr, args });
  const onArm64 = (nr: number, args?: number[]) => evaluate(arm64, { arch: AUDIT_ARCH_AARCH64, nr, args });

  it('kills a syscall made under a foreign ABI, x32 included', () => {
    expect(evaluate(x64, { arch: AUDIT_ARCH_I386, nr: 0 })).toBe(KILL_PROCESS);
    expect(evaluate(arm64, { arch: AUDIT_ARCH_X86_64, nr: 0 })).toBe(KILL_PROCESS);
    expect(onX64(0x4000_0000 + 1)).toBe(KILL_PROCESS); // x32 write
    expect(onArm64(0x4000_0000 + 1)).toBe(ALLOW);
  });

  it('denies mount, unshare and ptrace with EPERM and clone3 with ENOSYS on both arches', () => {
    expect([onX64(165), onX64(272), onX64(101), onX64(435)]).toEqual([EPERM, EPERM, EPERM, ENOSYS]);
    expect([onArm64(40), onArm64(97), onArm64(117), onArm64(435)]).toEqual([EPERM, EPERM, EPERM, ENOSYS]);
  });

  it('allows ordinary syscalls: read, write, openat, execve', () => {
    expect([onX64(0), onX64(1), onX64(257), onX64(59)]).toEqual([ALLOW, ALLOW, ALLOW, ALLOW]);
    expect([onArm64(63), onArm64(64), onArm64(56), onArm64(221)]).toEqual([ALLOW, ALLOW, ALLOW, ALLOW]);
  });

  it('denies TIOCSTI and only TIOCSTI among ioctls', () => {
    expect(onX64(16, [0, TIOCSTI])).toBe(EPERM);
    expect(onX64(16, [0, TCGETS])).toBe(ALLOW);
    expect(onArm64(29, [0, TIOCSTI])).toBe(EPERM);
    expect(onArm64(29, [0, TCGETS])).toBe(ALLOW);
  });

  it('denies clone with a namespace flag but allows fork and thread clones', () => {
    expect(onX64(56, [CLONE_NEWUSER | SIGCHLD])).toBe(EPERM);
    expect(onX64(56, [SIGCHLD])).toBe(ALLOW);
    expect(onX64(56, [0x3d0f00])).toBe(ALLOW); // glibc's pthread_create flags
    expect(onArm64(220, [0x4000_0000 | SIGCHLD])).toBe(EPERM); // CLONE_NEWNET
    expect(onArm64(220, [SIGCHLD])).toBe(ALLOW);
  });
});

const BWRAP = '/usr/bin/bwrap';
const PYTHON = '/usr/bin/python3';
const bwrapWorks =
  process.arch === 'x64' &&
  existsSync(BWRAP) &&
  existsSync(PYTHON) &&
  spawnSync(BWRAP, ['--unshare-all', '--ro-bind', '/', '/', '/bin/true']).status === 0;

/** Each probe prints `name=OK` or `name=<errno name>`; the syscall numbers are x86_64's. */
const PROBE = `
import ctypes, errno, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def probe(name, nr, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(nr), *[a if isinstance(a, bytes) else ctypes.c_long(a) for a in args])
    if result == 0 and name == 'clone_newuser':
        os._exit(0)  # the child of a clone that should have failed
    print(f"{name}={errno.errorcode[ctypes.get_errno()] if result == -1 else 'OK'}")
probe('mount', 165, b'none', b'/tmp', b'tmpfs', 0, 0)
probe('ptrace', 101, 0, 0, 0, 0)
probe('clone_newuser', 56, ${CLONE_NEWUSER | SIGCHLD}, 0, 0, 0, 0)
probe('clone3', 435, 0, 0)
probe('tiocsti', 16, 0, ${TIOCSTI}, b'x')
probe('tcgets', 16, 0, ${TCGETS}, bytes(64))
with open('/tmp/note.txt', 'w') as note:
    note.write('kept')
print('tmp=' + open('/tmp/note.txt').read())
print('subprocess=' + subprocess.run(['/usr/bin/echo', 'child'], capture_output=True, text=True).stdout.strip())
thread = threading.Thread(target=lambda: print('thread=OK'))
thread.start()
thread.join()
# Last: where it succeeds, the process is in a new user namespace with no mapped ids.
probe('unshare', 272, ${CLONE_NEWUSER})
`;

function runInBwrap(
  program: Buffer | null,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr'];
  args.push(
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/bin',
    '/bin',
  );
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  if (program) args.push('--seccomp', '3');
  args.push(PYTHON, '-c', PROBE);
  const child = spawn(BWRAP, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin?.end();
  // bwrap reads the filter from fd 3 up to end of file.
  const filterPipe = child.stdio[3] as NodeJS.WritableStream;
  if (program) filterPipe.end(program);
  else filterPipe.end();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const resultsOf = (stdout: string) =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );

describe.skipIf(!bwrapWorks)('seccompProgram under bwrap', () => {
  it('makes the denied syscalls fail inside the sandbox while ordinary work succeeds', async () => {
    const { code, stdout, stderr } = await runInBwrap(seccompProgram());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(resultsOf(stdout)).toEqual({
      unshare: 'EPERM',
      mount: 'EPERM',
      ptrace: 'EPERM',
      clone_newuser: 'EPERM',
      clone3: 'ENOSYS',
      tiocsti: 'EPERM',
      tcgets: 'ENOTTY', // an allowed ioctl reaches the kernel, which says stdin is no terminal
      tmp: 'kept',
      subprocess: 'child', // glibc falls back from clone3 to clone
      thread: 'OK',
    });
  });

  it('is what makes the difference: without it the same probes reach the kernel', async () => {
    const { code, stdout } = await runInBwrap(null);
    expect(code).toBe(0);
    const results = resultsOf(stdout);
    // Only the answers that do not depend on the host: the kernel itself checks these two.
    expect(results.tiocsti).toBe('ENOTTY');
    expect(results.clone3).toBe('EINVAL');
  });
});
