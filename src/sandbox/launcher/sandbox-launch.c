/*
 * The in-sandbox launcher of the gVisor driver, built static at install (scripts/build-launcher.mjs)
 * and linked into each sandbox's read-only run folder. runsc applies no seccomp filter to the
 * processes `runsc exec` starts, so every command starts through this: it sets the sandbox's
 * rlimits, sets no_new_privs, installs the seccomp program the platform wrote for the sandbox (the
 * filter bubblewrap uses), then execs the command. It does what the Perl launcher in host-root.ts
 * does, which stays the fallback where no C compiler was found, at a fraction of the start-up cost
 * inside gVisor (no interpreter, no dynamic loader).
 *
 *   sandbox-launch SECCOMP_PROGRAM_FILE LIMITS [--] COMMAND [ARGS...]
 *
 * LIMITS: comma-separated RESOURCE:SOFT:HARD with Linux resource numbers ("" for none).
 * Exit status: 125 when the launcher itself fails (nothing of the command ran), 127 when the
 * command cannot be executed, otherwise whatever the command returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_FILTER_INSTRUCTIONS 4096

static struct sock_filter program[MAX_FILTER_INSTRUCTIONS + 1];

static int fail(const char *what, const char *detail) {
  dprintf(2, "sandbox launcher: %s: %s\n", what, detail);
  return 125;
}

static int set_limits(char *spec) {
  for (char *item = strtok(spec, ","); item != NULL; item = strtok(NULL, ",")) {
    unsigned long long resource, soft, hard;
    char rest;
    if (sscanf(item, "%llu:%llu:%llu%c", &resource, &soft, &hard, &rest) != 3)
      return fail("bad limit", item);
    struct rlimit limit = {.rlim_cur = soft, .rlim_max = hard};
    if (setrlimit((int)resource, &limit) != 0) return fail("setrlimit", strerror(errno));
  }
  return 0;
}

static int install_filter(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("seccomp filter", strerror(errno));
  size_t size = 0;
  for (;;) {
    ssize_t got = read(fd, (char *)program + size, sizeof(program) - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      close(fd);
      return fail("seccomp filter", strerror(errno));
    }
    if (got == 0) break;
    size += (size_t)got;
    if (size == sizeof(program)) {
      close(fd);
      return fail("seccomp filter", "too long");
    }
  }
  close(fd);
  if (size == 0 || size % sizeof(struct sock_filter) != 0) return fail("seccomp filter", "malformed");
  struct sock_fprog fprog = {.len = (unsigned short)(size / sizeof(struct sock_filter)), .filter = program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail("no_new_privs", strerror(errno));
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) return fail("seccomp", strerror(errno));
  return 0;
}

int main(int argc, char **argv) {
  int first = 3;
  if (argc > first && strcmp(argv[first], "--") == 0) first++;
  if (argc <= first)
    return fail("usage", "sandbox-launch SECCOMP_PROGRAM_FILE LIMITS [--] COMMAND [ARGS...]");
  int status = set_limits(argv[2]);
  if (status == 0) status = install_filter(argv[1]);
  if (status != 0) return status;
  execvp(argv[first], argv + first);
  dprintf(2, "%s: %s\n", argv[first], strerror(errno));
  return 127;
}
