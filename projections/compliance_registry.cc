// PackRegistry: which rule set is in force for a jurisdiction when, and the compiled form of
// each rule set; MemoryCrossCaseCounts.
//
// Each activation takes effect at its effective time. At any instant the baseline in force
// is the latest activation (log order) of a baseline pack already effective then, likewise
// for the jurisdiction's national pack; a rule set is one (baseline, national) pair and keeps
// its id for the registry's life, while its interval may shrink when a later activation
// takes effect inside it.
#include <algorithm>

#include "projections/compliance_internal.h"

namespace caseledger::compliance {
namespace detail {
namespace {

uint16_t TypeOf(std::string_view name) {
  auto body = capnp::Schema::from<schema::Event>().getFieldByName("body").getType().asStruct();
  return body.getFieldByName(kj::StringPtr(std::string(name).c_str()))
      .getProto()
      .getDiscriminantValue();
}

Status CompileConditions(const std::vector<Condition>& conds,
                         const std::vector<std::string>& types, ConditionsByType* out) {
  for (const auto& type : types) {
    CL_RETURN_IF_ERROR(CheckEventType(type));
    auto& list = (*out)[TypeOf(type)];
    for (const auto& c : conds) {
      auto cc = CompiledCondition::Compile(c, type);
      if (!cc.ok()) return cc.status();
      list.push_back(std::move(cc.value()));
    }
  }
  return Status::OK();
}

Status CompileMatch(const EventMatch& m, CompiledMatch* out) {
  return CompileConditions(m.where, m.types, &out->by_type);
}

Status CompileField(const std::string& path, const std::vector<std::string>& types,
                    FieldByType* out) {
  if (path.empty()) return Status::OK();
  for (const auto& type : types) {
    auto fp = FieldPath::Compile(path, type);
    if (!fp.ok()) return fp.status();
    out->emplace(TypeOf(type), std::move(fp.value()));
  }
  return Status::OK();
}

std::vector<std::string> Union(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  for (const auto& t : b) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

Status CompileRule(const Rule& r, const std::vector<StateDef>& states, CompiledRule* cr) {
  CL_RETURN_IF_ERROR(CompileMatch(r.trigger, &cr->trigger));
  CL_RETURN_IF_ERROR(CompileMatch(r.satisfied_by, &cr->satisfied_by));
  CL_RETURN_IF_ERROR(CompileMatch(r.exempted_by, &cr->exempted_by));
  CL_RETURN_IF_ERROR(CompileMatch(r.cancelled_by, &cr->cancelled_by));
  CL_RETURN_IF_ERROR(CompileMatch(r.released_by, &cr->released_by));
  CL_RETURN_IF_ERROR(CompileMatch(r.stop, &cr->stop));
  const auto& tt = r.trigger.types;
  const auto& st = r.satisfied_by.types;
  // Recurring rules choose their limit on the event that starts each period.
  const auto limit_types = r.kind == RuleKind::kRecurring ? Union(tt, st) : tt;
  for (const auto& limit : r.limits) {
    CL_RETURN_IF_ERROR(CompileConditions(limit.when, limit_types, &cr->limit_when.emplace_back()));
    auto& exts = cr->extension_when.emplace_back();
    for (const auto& ext : limit.extensions) {
      CL_RETURN_IF_ERROR(CompileConditions(ext.when, st, &exts.emplace_back()));
    }
    CL_RETURN_IF_ERROR(
        CompileConditions(limit.exceptional_when, tt, &cr->exceptional_when.emplace_back()));
    CL_RETURN_IF_ERROR(CompileField(limit.span_from, st, &cr->span_from));
    CL_RETURN_IF_ERROR(CompileField(limit.span_to, st, &cr->span_to));
  }
  for (const auto& group : r.require_any) {
    CL_RETURN_IF_ERROR(CompileConditions(group, tt, &cr->require_any.emplace_back()));
  }
  CL_RETURN_IF_ERROR(CompileField(r.same_field, tt, &cr->same_field));
  CL_RETURN_IF_ERROR(CompileField(r.reason_field, tt, &cr->reason_field));
  CL_RETURN_IF_ERROR(CompileField(r.exempt_field, tt, &cr->exempt_field));
  CL_RETURN_IF_ERROR(CompileField(r.group_field, tt, &cr->group_field));
  if (!r.state.empty()) {
    auto it = std::find_if(states.begin(), states.end(),
                           [&](const StateDef& s) { return s.name == r.state; });
    if (it == states.end()) {
      return Status::InvalidArgument("rule " + r.id + " names unknown state " + r.state);
    }
    CompiledState cs;
    CL_RETURN_IF_ERROR(CompileMatch(it->opens, &cs.opens));
    CL_RETURN_IF_ERROR(CompileMatch(it->closes, &cs.closes));
    CL_RETURN_IF_ERROR(CompileMatch(it->extends, &cs.extends));
    CL_RETURN_IF_ERROR(CompileField(it->until_field, it->opens.types, &cs.until_field));
    CL_RETURN_IF_ERROR(CompileField(it->extend_field, it->extends.types, &cs.extend_field));
    cr->state = std::move(cs);
  }
  cr->all_types = r.kind == RuleKind::kRecordingDelay && tt.empty();
  return Status::OK();
}

void IndexTypes(const CompiledMatch& m, uint32_t rule, std::vector<std::vector<uint32_t>>* idx) {
  for (const auto& [type, conds] : m.by_type) {
    auto& list = (*idx)[type];
    if (list.empty() || list.back() != rule) list.push_back(rule);
  }
}

}  // namespace

bool AllHold(const ConditionsByType& c, uint16_t type, schema::Event::Reader e,
             const CaseFacts& facts) {
  auto it = c.find(type);
  if (it == c.end()) return true;
  for (const auto& cond : it->second) {
    if (!cond.Matches(e, facts)) return false;
  }
  return true;
}

bool CompiledMatch::Matches(uint16_t type, schema::Event::Reader e,
                            const CaseFacts& facts) const {
  auto it = by_type.find(type);
  if (it == by_type.end()) return false;
  for (const auto& cond : it->second) {
    if (!cond.Matches(e, facts)) return false;
  }
  return true;
}

uint16_t CaseClosedType() { return schema::Event::Body::CASE_CLOSED; }

Result<std::shared_ptr<const CompiledRules>> CompileRules(const RuleSet& set,
                                                          const std::vector<StateDef>& states) {
  auto out = std::make_shared<CompiledRules>();
  size_t type_count =
      capnp::Schema::from<schema::Event>().getFieldByName("body").getType().asStruct()
          .getFields().size();
  out->by_type.resize(type_count + 1);
  out->rules.resize(set.rules.size());
  for (uint32_t i = 0; i < set.rules.size(); ++i) {
    CompiledRule& cr = out->rules[i];
    cr.rule = set.rules[i].rule;
    cr.entry = &set.rules[i];
    Status st = CompileRule(*cr.rule, states, &cr);
    if (!st.ok()) return st.WithContext("rule " + cr.rule->id);
    for (const CompiledMatch* m : {&cr.trigger, &cr.satisfied_by, &cr.exempted_by,
                                   &cr.cancelled_by, &cr.released_by, &cr.stop}) {
      IndexTypes(*m, i, &out->by_type);
    }
    if (cr.state) {
      for (const CompiledMatch* m : {&cr.state->opens, &cr.state->closes, &cr.state->extends}) {
        IndexTypes(*m, i, &out->by_type);
      }
    }
    bool closes = cr.rule->kind == RuleKind::kDeadline || cr.rule->kind == RuleKind::kRecurring;
    if (closes) {
      auto& list = out->by_type[CaseClosedType()];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
    if (cr.all_types) {
      for (auto& list : out->by_type) {
        if (list.empty() || list.back() != i) list.push_back(i);
      }
    }
  }
  for (auto& list : out->by_type) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return std::shared_ptr<const CompiledRules>(std::move(out));
}

}  // namespace detail

namespace {

const std::vector<std::string>& Jurisdictions() {
  static const std::vector<std::string> kCodes = {"",   "DK", "EE", "FI", "LV",
                                                  "LT", "SE", "NO", "IS"};
  return kCodes;
}

bool IsBaseline(const RulePack& p) { return p.jurisdiction.empty() || p.jurisdiction == "EU"; }

// The pack jurisdiction an activation names: "" for the baseline (EU) and for unspecified.
std::string JurisdictionCode(schema::Jurisdiction j) {
  size_t i = static_cast<size_t>(j);
  return i < Jurisdictions().size() ? Jurisdictions()[i] : "";
}

}  // namespace

struct PackRegistry::Impl {
  struct Activation {
    std::shared_ptr<const RulePack> pack;
    uint64_t position;
    int64_t effective_at;
  };
  std::vector<Activation> activations;
  std::vector<std::unique_ptr<RuleSet>> sets;  // by id
  std::map<std::tuple<std::string, int, int>, uint32_t> set_ids;  // (j, baseline, national)
  std::map<std::string, std::vector<uint32_t>> by_jurisdiction;   // ids in effective order

  // The latest activation (log order) of `j`'s packs ("" for baselines) effective at `t`.
  int InForce(const std::string& j, bool baseline, int64_t t) const {
    int best = -1;
    for (size_t i = 0; i < activations.size(); ++i) {
      const auto& a = activations[i];
      bool is_baseline = IsBaseline(*a.pack);
      if (is_baseline != baseline || (!baseline && a.pack->jurisdiction != j)) continue;
      if (a.effective_at <= t) best = static_cast<int>(i);
    }
    return best;
  }

  Result<std::unique_ptr<RuleSet>> MakeSet(const std::string& j, int b, int n) const {
    auto set = std::make_unique<RuleSet>();
    set->jurisdiction = j;
    if (b >= 0) set->baseline = activations[b].pack;
    if (n >= 0) set->national = activations[n].pack;
    std::map<std::string, RuleSet::Entry> by_id;
    std::vector<StateDef> states;
    if (set->baseline) {
      for (const auto& r : set->baseline->rules) {
        by_id[r.id] = {&r, "EU", set->baseline.get()};
      }
      states = set->baseline->states;
    }
    if (set->national) {
      for (const auto& r : set->national->rules) {
        by_id[r.id] = {&r, set->national->jurisdiction, set->national.get()};
      }
      for (const auto& s : set->national->states) {
        auto it = std::find_if(states.begin(), states.end(),
                               [&](const StateDef& d) { return d.name == s.name; });
        if (it != states.end()) *it = s; else states.push_back(s);
      }
      auto cal = Calendar::Make(set->national->time_zone, set->national->calendar);
      if (!cal.ok()) return cal.status();
      set->calendar = std::move(cal.value());
    }
    for (auto& [id, entry] : by_id) {
      if (entry.rule->enabled) set->rules.push_back(entry);
    }
    auto compiled = detail::CompileRules(*set, states);
    if (!compiled.ok()) return compiled.status();
    set->compiled = std::move(compiled.value());
    return set;
  }

  // Recomputes every jurisdiction's intervals; on failure nothing changes.
  Status Rebuild() {
    std::vector<std::unique_ptr<RuleSet>> new_sets;
    auto new_ids = set_ids;
    std::map<std::string, std::vector<std::pair<uint32_t, int64_t>>> plan;  // id, from
    for (const auto& j : Jurisdictions()) {
      std::vector<int64_t> points;
      for (const auto& a : activations) {
        if (IsBaseline(*a.pack) || a.pack->jurisdiction == j) {
          points.push_back(a.effective_at);
        }
      }
      std::sort(points.begin(), points.end());
      points.erase(std::unique(points.begin(), points.end()), points.end());
      for (int64_t t : points) {
        int b = InForce(j, true, t), n = j.empty() ? -1 : InForce(j, false, t);
        if (b < 0 && n < 0) continue;
        auto key = std::make_tuple(j, b, n);
        auto it = new_ids.find(key);
        uint32_t id;
        if (it != new_ids.end()) {
          id = it->second;
        } else {
          auto set = MakeSet(j, b, n);
          if (!set.ok()) return set.status();
          id = static_cast<uint32_t>(sets.size() + new_sets.size());
          set.value()->id = id;
          new_sets.push_back(std::move(set.value()));
          new_ids[key] = id;
        }
        auto& list = plan[j];
        if (list.empty() || list.back().first != id) list.emplace_back(id, t);
      }
    }
    for (auto& s : new_sets) sets.push_back(std::move(s));
    set_ids = std::move(new_ids);
    by_jurisdiction.clear();
    for (auto& [j, list] : plan) {
      for (size_t i = 0; i < list.size(); ++i) {
        RuleSet& s = *sets[list[i].first];
        s.effective_from = list[i].second;
        s.effective_until = i + 1 < list.size() ? list[i + 1].second : INT64_MAX;
        by_jurisdiction[j].push_back(list[i].first);
      }
    }
    return Status::OK();
  }
};

PackRegistry::PackRegistry() : impl_(std::make_unique<Impl>()) {}
PackRegistry::~PackRegistry() = default;
PackRegistry::PackRegistry(PackRegistry&&) noexcept = default;
PackRegistry& PackRegistry::operator=(PackRegistry&&) noexcept = default;

Status PackRegistry::Add(std::shared_ptr<const RulePack> pack, uint64_t position,
                         int64_t effective_at) {
  impl_->activations.push_back({std::move(pack), position, effective_at});
  Status st = impl_->Rebuild();
  if (!st.ok()) impl_->activations.pop_back();
  return st;
}

Status PackRegistry::Activate(schema::RulePackActivated::Reader activation, uint64_t position,
                              int64_t recorded_at) {
  std::string j = JurisdictionCode(activation.getJurisdiction());
  // A national pack may name the baseline's states: parse it against the newest baseline.
  const RulePack* baseline = nullptr;
  if (!j.empty()) {
    for (const auto& a : impl_->activations) {
      if (IsBaseline(*a.pack)) baseline = a.pack.get();
    }
  }
  std::vector<PackError> errors;
  auto pack = ParsePack(activation.getContent().cStr(), "activation", &errors, baseline);
  if (!pack.ok()) return pack.status();
  if (pack->id != activation.getPackId().cStr() ||
      pack->version != activation.getPackVersion().cStr() ||
      (IsBaseline(*pack) ? !j.empty() : pack->jurisdiction != j)) {
    return Status::InvalidArgument("activation names pack " +
                                   std::string(activation.getPackId().cStr()) + " " +
                                   activation.getPackVersion().cStr() +
                                   " but its content is pack " + pack->id + " " + pack->version);
  }
  // The first activation of a pack id may reach back (a ledger that starts with its history
  // recorded afterwards); every later version takes effect no earlier than it was recorded,
  // so changing a pack never changes how obligations that arose before are evaluated.
  bool first_of_id = true;
  for (const auto& a : impl_->activations) {
    if (a.pack->id == pack->id) first_of_id = false;
  }
  const int64_t at = first_of_id ? activation.getEffectiveFrom()
                                 : std::max(activation.getEffectiveFrom(), recorded_at);
  return Add(std::make_shared<const RulePack>(std::move(pack.value())), position, at);
}

const RuleSet* PackRegistry::RulesFor(std::string_view jurisdiction, int64_t at) const {
  auto it = impl_->by_jurisdiction.find(std::string(jurisdiction));
  if (it == impl_->by_jurisdiction.end()) return nullptr;
  for (uint32_t id : it->second) {
    const RuleSet& s = *impl_->sets[id];
    if (s.effective_from <= at && at < s.effective_until) return &s;
  }
  return nullptr;
}

std::vector<const RuleSet*> PackRegistry::SetsFor(std::string_view jurisdiction) const {
  std::vector<const RuleSet*> out;
  auto it = impl_->by_jurisdiction.find(std::string(jurisdiction));
  if (it == impl_->by_jurisdiction.end()) return out;
  for (uint32_t id : it->second) out.push_back(impl_->sets[id].get());
  return out;
}

std::vector<PackRegistry::ActivationInfo> PackRegistry::Activations() const {
  std::vector<ActivationInfo> out;
  for (const auto& a : impl_->activations) {
    out.push_back({a.position, a.pack->id, a.pack->version,
                   IsBaseline(*a.pack) ? "EU" : a.pack->jurisdiction, a.effective_at});
  }
  return out;
}

int64_t MemoryCrossCaseCounts::Join(std::string_view rule_id, std::string_view key,
                                    std::string_view case_id, uint64_t) {
  auto& group = groups_[std::string(rule_id) + '\0' + std::string(key)];
  group[std::string(case_id)] = true;
  return static_cast<int64_t>(group.size());
}

void MemoryCrossCaseCounts::Leave(std::string_view rule_id, std::string_view key,
                                  std::string_view case_id, uint64_t) {
  auto it = groups_.find(std::string(rule_id) + '\0' + std::string(key));
  if (it != groups_.end()) it->second.erase(std::string(case_id));
}

}  // namespace caseledger::compliance
