#include <spark/core/version.hpp>

namespace spark {

std::string_view version() noexcept { return SPARK_VERSION; }

}  // namespace spark
