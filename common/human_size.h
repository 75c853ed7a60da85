#pragma once
#include <cstdint>
#include <string>

namespace hoist {

// "12.3MB": decimal units with three significant digits, as docker prints sizes.
std::string human_size(uint64_t bytes);

}  // namespace hoist
