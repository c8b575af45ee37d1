#pragma once
// The typed error hierarchy of spark.
//
// Every user-facing problem is a spark::Error. Subclasses carry the fields that locate the problem
// (component, node, port, parameter, ...) as well as a message of the fixed shape
//     <where>: <what>; expected <X>, got <Y>
// so that a caller can both show the text and react to the fields. InternalError means a bug in spark.
#include <stdexcept>
#include <string>
#include <vector>

namespace spark {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A parameter or config value is unknown, of the wrong type or out of bounds.
class ConfigError : public Error {
public:
    ConfigError(std::string component, std::string instance, std::string field, std::string value,
                std::string rule);
    const std::string& component() const noexcept { return component_; }
    const std::string& instance() const noexcept { return instance_; }
    const std::string& field() const noexcept { return field_; }
    const std::string& value() const noexcept { return value_; }
    const std::string& rule() const noexcept { return rule_; }

private:
    std::string component_, instance_, field_, value_, rule_;
};

// A port received a payload of the wrong kind or shape.
class ShapeError : public Error {
public:
    ShapeError(std::string node, std::string port, std::string expected, std::string actual,
               std::string detail = {});
    const std::string& node() const noexcept { return node_; }
    const std::string& port() const noexcept { return port_; }
    const std::string& expected() const noexcept { return expected_; }
    const std::string& actual() const noexcept { return actual_; }
    const std::string& detail() const noexcept { return detail_; }  // e.g. the component class

private:
    std::string node_, port_, expected_, actual_, detail_;
};

// Wiring problems: unknown node or port, dangling input, same-step cycle, unknown component name. The
// build pass reports all of them at once as a graph::GraphBuildError (spark/graph/diagnostic.hpp).
class GraphError : public Error {
public:
    using Error::Error;
};

// A snapshot or network file could not be read, or does not match the network it is loaded into.
class SnapshotError : public Error {
public:
    using Error::Error;
};

// A file could not be opened, read or written. what() is "<action> '<path>': <reason>", the reason
// being the OS error text (strerror).
class FileError : public Error {
public:
    FileError(std::string path, std::string action, std::string reason);
    const std::string& path() const noexcept { return path_; }
    const std::string& reason() const noexcept { return reason_; }

private:
    std::string path_, reason_;
};

// A bug in spark itself.
class InternalError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

}  // namespace spark
