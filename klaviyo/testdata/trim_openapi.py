# Trims Klaviyo's OpenAPI spec to the operations the klaviyo package calls
# and every component they reference (transitively). Nothing else changes.
# Usage: python3 trim_openapi.py openapi-stable-2026-07-15.json > openapi-2026-07-15-trimmed.json
import json, sys

PATHS = ["/api/events", "/api/event-bulk-create-jobs", "/api/profile-import"]

d = json.load(open(sys.argv[1]))
seen = set()

def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "$ref":
                _, _, sect, name = v.split("/")
                if (sect, name) not in seen:
                    seen.add((sect, name))
                    walk(d["components"][sect][name])
            else:
                walk(v)
    elif isinstance(o, list):
        for x in o:
            walk(x)

paths = {p: {"post": d["paths"][p]["post"]} for p in PATHS}
walk(paths)
comps = {"securitySchemes": d["components"]["securitySchemes"]}
for sect, name in sorted(seen):
    comps.setdefault(sect, {})[name] = d["components"][sect][name]
out = {k: d[k] for k in ("openapi", "info", "servers")}
out["paths"] = paths
out["components"] = comps
out["security"] = d["security"]
json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
