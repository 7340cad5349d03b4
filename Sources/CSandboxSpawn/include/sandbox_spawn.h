#ifndef SANDBOX_SPAWN_H
#define SANDBOX_SPAWN_H

#include <sys/types.h>

/// Resource limits applied in the child before exec; a negative value leaves a limit alone.
typedef struct {
    long long cpu_seconds;
    long long address_space_bytes;
    long long processes;
    long long file_size_bytes;
    long long open_files;
} sbx_limits;

/// Starts `path` with everything the sandbox needs set up before exec, in a child that shares
/// our memory until it execs and runs no fork handlers (see spawn.c for why not fork()): a new
/// session, the given fds placed at 0..<fd_count (all others closed), rlimits, optional
/// gid/uid switch (uid < 0: keep), parent-death SIGKILL.
/// Returns the child pid, or -1 with *error_out = errno and *stage_out naming the failed step.
pid_t sbx_spawn(const char *path, char *const argv[], char *const envp[],
                const int *fds, int fd_count, const char *cwd,
                const sbx_limits *limits, int uid, int gid,
                int *error_out, int *stage_out);



/// As root: SIGKILL every process running as `uid` (a child drops to uid and calls kill(-1)).
/// 0 on success.
int sbx_kill_uid(int uid);

/// pidfd_open(2), or -1 with errno (ENOSYS on old kernels).
int sbx_pidfd_open(pid_t pid);
/// pipe2(fds, O_CLOEXEC): glibc hides pipe2 from Swift without _GNU_SOURCE.
int sbx_pipe_cloexec(int fds[2]);
#endif
