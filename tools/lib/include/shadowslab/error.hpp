#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace shadowslab {

// A failed system call.  code() keeps the errno; what() names the operation,
// e.g. "CACHE_CREATE: Device or resource busy", and may add a hint about the
// usual cause after a semicolon.
class OperationError : public std::system_error {
public:
    OperationError(int err, const std::string& operation, const std::string& hint = {});

    const char* what() const noexcept override { return message_.what(); }

private:
    // std::runtime_error's string is reference counted, so copying this
    // exception cannot throw.
    std::runtime_error message_;
};

}  // namespace shadowslab
