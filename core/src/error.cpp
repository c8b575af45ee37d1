#include <spark/core/error.hpp>

namespace spark {
namespace {
std::string config_message(const std::string& component, const std::string& instance, const std::string& field,
                           const std::string& value, const std::string& rule) {
    std::string where = component;
    if (!instance.empty()) where += " '" + instance + "'";
    std::string text = field.empty() ? where : where + ": " + field;
    if (!value.empty()) text += " = " + value;
    return text + " " + rule;
}
std::string shape_message(const std::string& node, const std::string& port, const std::string& expected,
                          const std::string& actual, const std::string& detail) {
    std::string text = "node '" + node + "' port '" + port + "': expected " + expected + ", got " + actual;
    if (!detail.empty()) text += " (" + detail + ")";
    return text;
}
}  // namespace

ConfigError::ConfigError(std::string component, std::string instance, std::string field, std::string value,
                         std::string rule)
    : Error(config_message(component, instance, field, value, rule)),
      component_(std::move(component)),
      instance_(std::move(instance)),
      field_(std::move(field)),
      value_(std::move(value)),
      rule_(std::move(rule)) {}

ShapeError::ShapeError(std::string node, std::string port, std::string expected, std::string actual,
                       std::string detail)
    : Error(shape_message(node, port, expected, actual, detail)),
      node_(std::move(node)),
      port_(std::move(port)),
      expected_(std::move(expected)),
      actual_(std::move(actual)),
      detail_(std::move(detail)) {}

FileError::FileError(std::string path, std::string action, std::string reason)
    : Error(action + " '" + path + "': " + reason), path_(std::move(path)), reason_(std::move(reason)) {}

}  // namespace spark
