//===- Manifest.cpp - what a compiled program declares --------------------===//

#include "runtime/core/Manifest.h"

#include <nlohmann/json.hpp>

using namespace dec::rt;
using nlohmann::json;

std::optional<Manifest> Manifest::parse(const std::string &text, std::string &error) {
  try {
    json j = json::parse(text);
    Manifest m;
    m.abi = j.at("abi").get<int>();
    for (const json &model : j.at("models"))
      m.models.push_back({model.at("name").get<std::string>(), model.at("kind").get<std::string>(),
                          model.at("path").get<std::string>(),
                          model.at("tokenizer").get<std::string>()});
    for (const json &entry : j.at("entries"))
      m.entries.push_back({entry.at("name").get<std::string>(), entry.at("symbol").get<std::string>()});
    for (const json &seq : j.at("sequences")) {
      SequenceConfig config;
      config.model = seq.at("model").get<int>();
      config.stop = seq.at("stop").get<std::vector<std::string>>();
      config.ban = seq.at("ban").get<std::vector<std::string>>();
      config.guidance = seq.value("guidance", false);
      if (seq.contains("negative") && !seq.at("negative").is_null())
        config.negative = seq.at("negative").get<std::string>();
      config.logprobs = seq.value("logprobs", int64_t{-1});
      if (seq.contains("constraint")) {
        const json &c = seq.at("constraint");
        SequenceConfig::Structured structured;
        structured.kind = c.at("kind").get<std::string>();
        structured.spec = c.at("spec").get<std::string>();
        std::string enforce = c.value("enforce", std::string("mask"));
        if (enforce != "mask" && enforce != "rejection") {
          error = "manifest: unknown constraint enforcement '" + enforce + "'";
          return std::nullopt;
        }
        structured.rejection = enforce == "rejection";
        config.constraint = std::move(structured);
      }
      if (config.model < 0 || config.model >= static_cast<int>(m.models.size())) {
        error = "manifest: sequence refers to model " + std::to_string(config.model) +
                " of " + std::to_string(m.models.size());
        return std::nullopt;
      }
      m.sequences.push_back(std::move(config));
    }
    if (j.contains("rules"))
      for (const json &r : j.at("rules")) {
        Rule rule;
        rule.model = r.at("model").get<int>();
        rule.ngram = r.value("ngram", int64_t{0});
        for (const char *key : {"sequences", "words"})
          for (const json &item : r.value(key, json::array())) {
            Rule::Item parsed;
            if (item.contains("text"))
              parsed.text = item.at("text").get<std::string>();
            else
              parsed.ids = item.at("ids").get<std::vector<int32_t>>();
            parsed.ban = item.value("ban", false);
            parsed.bias = item.value("bias", 0.0);
            rule.items.push_back(std::move(parsed));
          }
        if (rule.model < 0 || rule.model >= static_cast<int>(m.models.size())) {
          error = "manifest: token rule refers to model " + std::to_string(rule.model) + " of " +
                  std::to_string(m.models.size());
          return std::nullopt;
        }
        m.rules.push_back(std::move(rule));
      }
    for (const Model &model : m.models)
      if (model.kind != "causal") {
        error = "manifest: model '" + model.name + "' has unsupported kind '" + model.kind + "'";
        return std::nullopt;
      }
    return m;
  } catch (const std::exception &e) {
    error = std::string("manifest is not valid: ") + e.what();
    return std::nullopt;
  }
}
