#pragma once

// A command run under the tracer: fork, exec, wait, and what became of it.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "shadowslab/tracer/trace_error.hpp"

namespace shadowslab::tracer {

// The command could not be started: code() is exec's errno.
// shell_status() is what a shell returns then: 127 if it was not found,
// 126 if it was found but could not be run.
class CommandStartError : public TraceError {
public:
    using TraceError::TraceError;
    int shell_status() const;
};

struct ExitStatus {
    bool exited = false;  // exited normally
    int code = 0;         // its exit code, when exited
    int signal = 0;       // the signal that killed it, when not

    static ExitStatus from_wait_status(int status);
    // As a shell reports it: the code, or 128 + the signal.
    int shell_status() const;
    // "exited with status 3", "killed by signal 9 (SIGKILL)".
    std::string describe() const;
};

// Finds argv0 as execvp() would (in PATH unless it has a slash), to refuse
// a command that cannot start before anything else is done: throws
// CommandStartError (ENOENT, or EACCES when found but not executable).
void check_command(const std::string& argv0);

class ChildProcess {
public:
    // Forks and execs argv[0] (searched in PATH when it has no slash) with
    // argv; returns once exec succeeded.  Throws CommandStartError if exec
    // failed, TraceError if fork did.
    explicit ChildProcess(const std::vector<std::string>& argv);
    // A child not waited for is waited for here (never killed).
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Blocks until the child exits (EINTR is retried).
    ExitStatus wait();
    // Its status if it has exited, without blocking.
    std::optional<ExitStatus> try_wait();

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    ExitStatus status_;
};

}  // namespace shadowslab::tracer
