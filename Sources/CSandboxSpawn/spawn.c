#define _GNU_SOURCE
#include "sandbox_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { STAGE_PIPE = 1, STAGE_FORK, STAGE_SETSID, STAGE_FDS, STAGE_LIMITS, STAGE_IDS, STAGE_CWD, STAGE_EXEC };

static void set_limit(int resource, long long value, int *failed) {
    if (value < 0) return;
    struct rlimit rl = { (rlim_t)value, (rlim_t)value };
    if (setrlimit(resource, &rl) != 0) *failed = 1;
}

static void child_fail(int pipe_fd, int stage) {
    int report[2] = { errno, stage };
    ssize_t ignored = write(pipe_fd, report, sizeof report);
    (void)ignored;
    _exit(127);
}

pid_t sbx_spawn(const char *path, char *const argv[], char *const envp[],
                const int *fds, int fd_count, const char *cwd,
                const sbx_limits *limits, int uid, int gid,
                int *error_out, int *stage_out) {
    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) != 0) {
        *error_out = errno; *stage_out = STAGE_PIPE;
        return -1;
    }
    // Signals the child must not inherit as ignored/blocked.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        int w = report_pipe[1];
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setsid() < 0) child_fail(w, STAGE_SETSID);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // Move the report pipe and every source fd above the target range, then place them.
        int base = fd_count + 3 > 64 ? fd_count + 3 : 64;
        int moved_w = fcntl(w, F_DUPFD_CLOEXEC, base + fd_count);
        if (moved_w < 0) child_fail(w, STAGE_FDS);
        w = moved_w;
        int high[64];
        if (fd_count > 64) { errno = EINVAL; child_fail(w, STAGE_FDS); }
        for (int i = 0; i < fd_count; i++) {
            high[i] = fcntl(fds[i], F_DUPFD, base + fd_count + 1);
            if (high[i] < 0) child_fail(w, STAGE_FDS);
        }
        for (int i = 0; i < fd_count; i++) {
            if (dup2(high[i], i) < 0) child_fail(w, STAGE_FDS);
        }
        // Close everything else except the report pipe (close-on-exec).
        if (syscall(SYS_close_range, (unsigned)fd_count, (unsigned)(w - 1), 0) != 0 ||
            syscall(SYS_close_range, (unsigned)(w + 1), ~0U, 0) != 0) {
            for (int fd = fd_count; fd < 65536; fd++) if (fd != w) close(fd);
        }
        if (limits) {
            int failed = 0;
            set_limit(RLIMIT_CPU, limits->cpu_seconds, &failed);
            set_limit(RLIMIT_AS, limits->address_space_bytes, &failed);
            set_limit(RLIMIT_NPROC, limits->processes, &failed);
            set_limit(RLIMIT_FSIZE, limits->file_size_bytes, &failed);
            set_limit(RLIMIT_NOFILE, limits->open_files, &failed);
            set_limit(RLIMIT_CORE, 0, &failed);
            if (failed) child_fail(w, STAGE_LIMITS);
        }
        if (gid >= 0) {
            if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0) child_fail(w, STAGE_IDS);
        }
        if (uid >= 0) {
            if (setuid((uid_t)uid) != 0) child_fail(w, STAGE_IDS);
        }
        if (cwd && chdir(cwd) != 0) child_fail(w, STAGE_CWD);
        execve(path, argv, envp);
        child_fail(w, STAGE_EXEC);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report_pipe[1]);
    if (pid < 0) {
        close(report_pipe[0]);
        *error_out = fork_errno; *stage_out = STAGE_FORK;
        return -1;
    }
    int report[2];
    ssize_t n;
    do { n = read(report_pipe[0], report, sizeof report); } while (n < 0 && errno == EINTR);
    close(report_pipe[0]);
    if (n == (ssize_t)sizeof report) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error_out = report[0]; *stage_out = report[1];
        return -1;
    }
    return pid;
}

int sbx_kill_uid(int uid) {
    if (uid <= 0) { errno = EINVAL; return -1; }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        // kill(-1) as that uid reaches exactly the processes that uid may signal: its own.
        if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid((uid_t)uid) != 0) _exit(1);
        kill(-1, SIGKILL);
        _exit(0);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) return -1;
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
