#include "shadowslab/error.hpp"

namespace shadowslab {

namespace {

std::string compose_message(int err, const std::string& operation, const std::string& hint)
{
    std::string message = operation + ": " + std::generic_category().message(err);
    if (!hint.empty())
        message += "; " + hint;
    return message;
}

}  // namespace

OperationError::OperationError(int err, const std::string& operation, const std::string& hint)
    : std::system_error(err, std::generic_category(), operation),
      message_(compose_message(err, operation, hint))
{
}

}  // namespace shadowslab
