#include "gate/config/config_loader.h"

namespace httpgate::gate {

ConfigLoader yamlConfigLoader(std::string path) {
  return [path = std::move(path)]() -> std::variant<std::shared_ptr<const Config>, std::string> {
    auto loaded = loadConfig(path);
    if (auto* error = std::get_if<ConfigError>(&loaded)) {
      return error->message;
    }
    return std::make_shared<const Config>(std::move(std::get<Config>(loaded)));
  };
}

}  // namespace httpgate::gate
