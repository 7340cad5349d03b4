#define _GNU_SOURCE
#include "sandbox_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { STAGE_PIPE = 1, STAGE_FORK, STAGE_SETSID, STAGE_FDS, STAGE_LIMITS, STAGE_IDS, STAGE_CWD, STAGE_EXEC };

// Why not fork(): glibc's fork() first runs every pthread_atfork "prepare" handler, and
// OpenBLAS registers one (blas_thread_shutdown_) that joins its worker threads.  When another
// thread of this process is inside a threaded GEMM at that moment (eval generates while
// earlier drafts run in the sandbox), the join never returns and the whole process hangs:
// a two-thread sgemm loop beside a fork loop deadlocked within 200 forks with Debian's
// OpenBLAS 0.3.21.  fork() also copies the page tables of a process holding a model: measured
// 17 ms per spawn at 1 GiB resident and 64 ms at 4 GiB, against 0.8 ms for the clone below.
//
// So children start as glibc's posix_spawn starts them: clone(CLONE_VM | CLONE_VFORK) on a
// stack of their own, all signals blocked until the handlers are reset, this thread suspended
// until the child has exec'd or exited, no fork handlers.  The child shares our memory, so it
// makes only raw system calls (glibc's setuid family would broadcast the change to the threads
// it believes it has: ours) and reports a failure by writing into its argument block.
//
// One kernel side effect: a root parent whose child switches uid before exec is marked
// non-dumpable (the shared memory must not be ptraceable by that uid).  It is never set back:
// another child may be between its switch and its exec at any moment.

typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int *fds;
    int fd_count;
    const char *cwd;
    const sbx_limits *limits;
    int uid, gid;
    // Written by the child on failure, read once it has exited.
    int error, stage;
} spawn_args;

enum { CHILD_STACK_BYTES = 256 << 10 };

/// Runs `child` in a new process sharing our memory and waits until it has exec'd or exited.
static pid_t clone_and_wait_for_exec(int (*child)(void *), void *arg, int *error_out) {
    void *stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) { *error_out = errno; return -1; }
    // Signals the child must not take on our handlers before it has reset them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(child, (char *)stack + CHILD_STACK_BYTES, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
    *error_out = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, CHILD_STACK_BYTES);
    return pid;
}

static void set_limit(int resource, long long value, int *failed) {
    if (value < 0) return;
    struct rlimit rl = { (rlim_t)value, (rlim_t)value };
    if (setrlimit(resource, &rl) != 0) *failed = 1;
}

static int child_fail(spawn_args *a, int stage) {
    a->error = errno;
    a->stage = stage;
    _exit(127);
}

static int spawn_child(void *opaque) {
    spawn_args *a = opaque;
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0) return child_fail(a, STAGE_SETSID);
    // Move every source fd above the target range, then place them (the fd table is the
    // child's own copy: no CLONE_FILES).
    int high[64];
    if (a->fd_count > 64) { errno = EINVAL; return child_fail(a, STAGE_FDS); }
    for (int i = 0; i < a->fd_count; i++) {
        high[i] = fcntl(a->fds[i], F_DUPFD, 64 + a->fd_count);
        if (high[i] < 0) return child_fail(a, STAGE_FDS);
    }
    for (int i = 0; i < a->fd_count; i++) {
        if (dup2(high[i], i) < 0) return child_fail(a, STAGE_FDS);
    }
    if (syscall(SYS_close_range, (unsigned)a->fd_count, ~0U, 0) != 0) {
        for (int fd = a->fd_count; fd < 65536; fd++) close(fd);
    }
    if (a->limits) {
        int failed = 0;
        set_limit(RLIMIT_CPU, a->limits->cpu_seconds, &failed);
        set_limit(RLIMIT_AS, a->limits->address_space_bytes, &failed);
        set_limit(RLIMIT_NPROC, a->limits->processes, &failed);
        set_limit(RLIMIT_FSIZE, a->limits->file_size_bytes, &failed);
        set_limit(RLIMIT_NOFILE, a->limits->open_files, &failed);
        set_limit(RLIMIT_CORE, 0, &failed);
        if (failed) return child_fail(a, STAGE_LIMITS);
    }
    if (a->gid >= 0) {
        if (syscall(SYS_setgroups, 0, NULL) != 0 || syscall(SYS_setgid, (gid_t)a->gid) != 0)
            return child_fail(a, STAGE_IDS);
    }
    if (a->uid >= 0) {
        if (syscall(SYS_setuid, (uid_t)a->uid) != 0) return child_fail(a, STAGE_IDS);
    }
    // After the uid switch: changing credentials clears the parent-death signal.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (a->cwd && chdir(a->cwd) != 0) return child_fail(a, STAGE_CWD);
    execve(a->path, a->argv, a->envp);
    return child_fail(a, STAGE_EXEC);
}

pid_t sbx_spawn(const char *path, char *const argv[], char *const envp[],
                const int *fds, int fd_count, const char *cwd,
                const sbx_limits *limits, int uid, int gid,
                int *error_out, int *stage_out) {
    spawn_args a = { path, argv, envp, fds, fd_count, cwd, limits, uid, gid, 0, 0 };
    int clone_errno = 0;
    pid_t pid = clone_and_wait_for_exec(spawn_child, &a, &clone_errno);
    if (pid < 0) {
        *error_out = clone_errno; *stage_out = STAGE_FORK;
        return -1;
    }
    if (a.stage != 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error_out = a.error; *stage_out = a.stage;
        return -1;
    }
    return pid;
}

static int kill_uid_child(void *opaque) {
    int uid = *(int *)opaque;
    // kill(-1) as that uid reaches exactly the processes that uid may signal: its own.
    if (syscall(SYS_setgroups, 0, NULL) != 0 || syscall(SYS_setgid, (gid_t)uid) != 0
        || syscall(SYS_setuid, (uid_t)uid) != 0) _exit(1);
    kill(-1, SIGKILL);
    _exit(0);
}

int sbx_kill_uid(int uid) {
    if (uid <= 0) { errno = EINVAL; return -1; }
    int clone_errno = 0;
    pid_t pid = clone_and_wait_for_exec(kill_uid_child, &uid, &clone_errno);
    if (pid < 0) { errno = clone_errno; return -1; }
    int status;
    while (waitpid(pid, &status, 0) < 0) { if (errno != EINTR) return -1; }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int sbx_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int sbx_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
