#!/usr/bin/env python3
"""Builds Sources/GraphModel/Resources/graph-model.json, the project's own Graph model data file.

Run by a developer when the model must change, never at build or run time:

    pip install msgraph-sdk msgraph-beta-sdk
    python3 tools/build-graph-model.py ../shared/graph/schema.json > Sources/GraphModel/Resources/graph-model.json

Facts come, in this order of precedence, from:
1. the schema facts file (CSDL-derived: nullability, Int64, flags, enum values, abstractness);
2. the generated models of the official Python SDKs (msgraph for v1.0, msgraph_beta for beta),
   for every type the facts file lacks (property names, types, enum members).
Where neither says whether a property is nullable it is taken as nullable (validation stays
permissive); `size` is the only Int64 in these types (schema.md, note on A).
The service section at the end (server-managed properties, summaries) is StatusGraph's own.
"""
import importlib, json, os, re, sys

NS = "microsoft.graph"
ROOT_NAVS = {"v1.0": ["mobileApps", "mobileAppConfigurations"],
             "beta": ["mobileApps", "mobileAppConfigurations", "iosLobAppProvisioningConfigurations"]}
# Contained navigations StatusGraph serves (others are left out of the model until they are built).
SERVED_NAVS = {
    "mobileApp": ["userStatuses", "deviceStatuses", "installSummary"],
    "managedDeviceMobileAppConfiguration": ["userStatuses", "deviceStatuses", "userStatusSummary", "deviceStatusSummary"],
    "iosLobAppProvisioningConfiguration": ["userStatuses", "deviceStatuses"],
    "userAppInstallStatus": ["deviceStatuses"],
}
SDK = {"v1.0": "msgraph", "beta": "msgraph_beta"}
INT64 = {"size"}
FLAGS_SEEN = set()

def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()

class SDKModels:
    def __init__(self, package):
        mod = importlib.import_module(package)
        self.dir = os.path.join(os.path.dirname(mod.__file__), "generated", "models")
        self.files = {}
        for f in os.listdir(self.dir):
            if f.endswith(".py"):
                text = open(os.path.join(self.dir, f)).read()
                m = re.search(r"^class (\w+)\(", text, re.M)
                if m:
                    self.files[m.group(1).lower()] = text

    def text(self, name):
        return self.files.get(name.lower())

    def enum(self, name):
        t = self.text(name)
        if t is None or "(str, Enum)" not in t:
            return None
        return re.findall(r'^\s+\w+ = "([^"]+)",?$', t, re.M)

    def structured(self, name):
        t = self.text(name)
        if t is None or "(str, Enum)" in t:
            return None
        base = re.search(r"^class \w+\((\w+)", t, re.M).group(1)
        base = None if base in ("AdditionalDataHolder", "BackedModel", "Parsable") else base[0].lower() + base[1:]
        fields = re.search(r"fields: dict\[str, Callable\[\[Any\], None\]\] = \{(.*?)\n        \}", t, re.S)
        props = []
        for key, attr, call in re.findall(r'"([^"]+)": lambda n : setattr\(self, \'(\w+)\', n\.(\w+\([^)]*\))\)', fields.group(1) if fields else ""):
            if key == "@odata.type":
                continue
            ann = re.search(r"^    %s: Optional\[(.+)\] = " % re.escape(attr), t, re.M)
            ann = ann.group(1) if ann else ""
            kind, arg = re.match(r"(\w+)\((\w*)", call).groups()
            prim = {"get_str_value": "Edm.String", "get_bool_value": "Edm.Boolean", "get_int_value": "Edm.Int32",
                    "get_float_value": "Edm.Double", "get_datetime_value": "Edm.DateTimeOffset",
                    "get_bytes_value": "Edm.Binary", "get_uuid_value": "Edm.Guid", "get_date_value": "Edm.Date",
                    "get_time_value": "Edm.TimeOfDay", "get_timedelta_value": "Edm.Duration"}
            pymap = {"str": "Edm.String", "bool": "Edm.Boolean", "int": "Edm.Int32", "float": "Edm.Double",
                     "datetime.datetime": "Edm.DateTimeOffset", "UUID": "Edm.Guid", "bytes": "Edm.Binary"}
            if kind in prim:
                typ = prim[kind]
            elif kind in ("get_object_value", "get_enum_value"):
                typ = NS + "." + arg[0].lower() + arg[1:]
            elif kind == "get_collection_of_enum_values":
                typ = NS + "." + arg[0].lower() + arg[1:]
                if ann.startswith("list["):
                    typ = "Collection(%s)" % typ
                else:
                    FLAGS_SEEN.add(unq(typ))  # a single value read as a set of names: a flags enum
            elif kind == "get_collection_of_object_values":
                typ = "Collection(%s.%s)" % (NS, arg[0].lower() + arg[1:])
            elif kind == "get_collection_of_primitive_values":
                typ = "Collection(%s)" % pymap[arg]
            else:
                raise SystemExit("unknown deserializer %s in %s" % (call, name))
            if key in INT64 and typ == "Edm.Int32":
                typ = "Edm.Int64"
            navigation = kind in ("get_object_value", "get_collection_of_object_values") and self.is_entity(arg)
            props.append({"name": key, "type": typ, "nullable": True, "navigation": navigation})
        return {"base": base, "properties": props}

    def is_entity(self, cls):
        seen = cls
        while seen:
            t = self.text(seen)
            if t is None:
                return False
            base = re.search(r"^class \w+\((\w+)", t, re.M).group(1)
            if base == "Entity":
                return True
            if base in ("AdditionalDataHolder", "BackedModel", "Parsable"):
                return False
            seen = base

def unq(t):
    return t[len(NS) + 1:] if t.startswith(NS + ".") else t

def elem(t):
    m = re.match(r"Collection\((.+)\)", t)
    return m.group(1) if m else t

def build(version, facts, sdk):
    v = facts["versions"][version]
    entity_types, complex_types, enum_types = {}, {}, {}
    pending = []

    def prop(p):
        return {"name": p["name"], "type": p["type"], "nullable": True if p.get("nullable") is None else p["nullable"]}

    def add_structured(name, is_entity):
        table = entity_types if is_entity else complex_types
        if name in table or name == "entity":
            return
        src = v["entityTypes" if is_entity else "complexTypes"].get(name)
        if src is not None:
            base = unq(src["baseType"]) if src.get("baseType") else None
            props = [prop(p) for p in src["properties"]]
            navs = list(src.get("navigationProperties", [])) + list(src.get("removedNavigationProperties", []))
            abstract = bool(src.get("abstract"))
        else:
            s = sdk.structured(name)
            if s is None:
                raise SystemExit("%s: no facts and no SDK model for %s" % (version, name))
            base = s["base"]
            props = [prop(p) for p in s["properties"] if not p["navigation"]]
            navs = []
            abstract = False
        if base == "entity" and not is_entity:
            raise SystemExit(name)
        served = SERVED_NAVS.get(name, [])
        nav_out = []
        for n in navs:
            if n["name"] in served and n.get("containsTarget", True):
                t = unq(n["type"])
                nav_out.append({"name": n["name"], "type": ("Collection(%s)" % n["type"]) if n["collection"] else n["type"],
                                "containsTarget": True})
                pending.append((t, True))
        out = {"base": base, "abstract": abstract, "properties": props}
        if is_entity:
            out["navigationProperties"] = nav_out
        table[name] = out
        if base:
            pending.append((base, is_entity))
        for p in props:
            pending.append((elem(p["type"]), None))

    def add_enum(name):
        if name in enum_types:
            return
        src = v["enumTypes"].get(name)
        if src is not None:
            vals = src.get("values") or {}
            members = [[m, vals.get(m)] for m in src["members"]]
            flags = bool(src.get("flags"))
        else:
            names = sdk.enum(name)
            flags = name in FLAGS_SEEN
            # Flags members need values: powers of two in declaration order, 'none' first as 0 (inferred).
            if flags:
                bit, members = 1, []
                for m in names:
                    if m == "none":
                        members.append([m, 0])
                    else:
                        members.append([m, bit]); bit <<= 1
            else:
                members = [[m, None] for m in names]
        enum_types[name] = {"flags": flags, "members": members}

    add_structured("deviceAppManagement", True)
    dam = entity_types["deviceAppManagement"]
    srcnavs = v["entityTypes"]["deviceAppManagement"]["navigationProperties"]
    for n in srcnavs:
        if n["name"] in ROOT_NAVS[version]:
            dam["navigationProperties"].append({"name": n["name"], "type": "Collection(%s)" % n["type"], "containsTarget": True})
            pending.append((unq(n["type"]), True))
    for base, derived in v["derivedTypes"].items():
        for d in derived:
            pending.append((d["name"], True))
    for name in v["complexTypes"]:  # every complex type of the facts, derived ones included
        pending.append((name, False))
    while pending:
        t, is_entity = pending.pop()
        if t.startswith("Edm."):
            continue
        t = unq(t)
        if is_entity is None:
            if t in v["enumTypes"] or sdk.enum(t) is not None:
                add_enum(t)
                continue
            is_entity = False
        add_structured(t, is_entity)
    # Abstractness of derived types from the facts file.
    for base, derived in v["derivedTypes"].items():
        for d in derived:
            if d["abstract"] is True:
                entity_types[d["name"]]["abstract"] = True
    entity_types = {"entity": {"base": None, "abstract": True, "key": ["id"],
                               "properties": [{"name": "id", "type": "Edm.String", "nullable": False}],
                               "navigationProperties": []}, **dict(sorted(entity_types.items()))}
    # Complex-type base chains: a complex type named as base must exist.
    return {"entityTypes": entity_types, "complexTypes": dict(sorted(complex_types.items())),
            "enumTypes": dict(sorted(enum_types.items())),
            "singletons": {"deviceAppManagement": NS + ".deviceAppManagement"}}

def main():
    facts = json.load(open(sys.argv[1]))
    out = {"namespace": NS, "versions": {}}
    for version in ("v1.0", "beta"):
        out["versions"][version] = build(version, facts, SDKModels(SDK[version]))
    out["service"] = json.load(open(os.path.join(os.path.dirname(__file__), "graph-service.json")))
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")

main()
