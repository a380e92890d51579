#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace shadowslab::tracer {

// Every error of the tracer: code() keeps the errno (EPERM for missing
// privileges, ENOENT for a missing symbol or BTF file, ...), what() is the
// whole message, saying what went wrong and what to do about it.
class TraceError : public std::system_error {
public:
    TraceError(int err, const std::string& message)
        : std::system_error(err, std::generic_category(), message), message_(message)
    {
    }

    const char* what() const noexcept override { return message_.what(); }

private:
    std::runtime_error message_;  // reference counted: copying cannot throw
};

}  // namespace shadowslab::tracer
