// The loader's section parsers, one file each. Each fills its part of the
// Config from a checked YAML value and throws ConfigFailure on the first
// problem (see config_reader.h).
#pragma once

#include <string>

#include "gate/config/config.h"
#include "gate/config/config_reader.h"

namespace httpgate::gate::detail {

// listen: (config_listen.cpp)
void parseListeners(const ConfigValue& value, std::vector<ListenConfig>& listeners);

// routes: (config_routes.cpp); `configFile` is the YAML file's path, which
// a relative routes.names_file is resolved against.
void parseRoutes(const ConfigValue& value, RoutesConfig& routes, const std::string& configFile);

// routes.hosts[i].fail_after and .down_for (config_host_health.cpp) of
// the entry `map`, into `entry`; `earlier` are the entries before it.
void parseHostHealth(const ConfigMap& map, HostRange& entry, const std::vector<HostRange>& earlier);

// routes.names_file: (config_names.cpp) reads the names file `value` names
// and merges its entries into routes.apps (re-sorted); `apps` is routes.apps
// as written, for the position of a name given in both. Takes the names
// file's default route unless `keepDefault` (routes.default was written).
void mergeNamesFile(const ConfigValue& value, const ConfigValue* apps, RoutesConfig& routes,
                    const std::string& configFile, bool keepDefault);

// routes.apps: (config_apps.cpp); returns the apps sorted by name.
std::vector<AppConfig> parseApps(const ConfigValue& value);

// tls: (config_ticket_keys.cpp) reads tls.ticket_keys' file.
void parseTlsGlobal(const ConfigValue& value, TlsGlobalConfig& tls);

// A list of address blocks (config_scale_out.cpp), each a net::Cidr.
net::CidrSet parseCidrs(const ConfigValue& value);

// limits.per_client: (config_scale_out.cpp)
void parsePerClient(const ConfigValue& value, PerClientLimits& limits);

// routes.hosts[i].tls: (config_scale_out.cpp); checks that the files are
// readable, the TLS client context loads them.
HostTlsConfig parseHostTls(const ConfigValue& value);

// Fails at `value` with `cannot read "PATH": <strerror>` unless `path` is a
// regular file this process can open for reading. (config_files.cpp)
void checkReadable(const ConfigValue& value, const std::string& path);

// The content of `path`, at most `maxBytes` long, or a failure as above.
std::string readSmallFile(const ConfigValue& value, const std::string& path, size_t maxBytes);

// The account of `name` for running something unprivileged: fails with
// `unknown user "NAME"`, or with "must not be root" when `allowRoot` is false
// and the account has uid or gid 0. Returns the home directory.
std::string checkUser(const ConfigValue& value, const std::string& name, bool allowRoot);

}  // namespace httpgate::gate::detail
