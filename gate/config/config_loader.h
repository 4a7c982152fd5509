// Where a configuration comes from: a YAML file, or (for httpGate's legacy
// command line) arguments. The loader is called at start-up and again on
// every reload, so it re-reads its files each time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gate/config/config.h"

namespace httpgate::gate {

// A complete configuration, or an error message ready to log.
using LoadedConfig = Result<std::shared_ptr<const Config>>;
using ConfigLoader = std::function<LoadedConfig()>;

// The loader that reads the YAML file at `path`.
ConfigLoader yamlConfigLoader(std::string path);

}  // namespace httpgate::gate
