#!/usr/bin/env python3
"""Joins the images of several OCI layouts into one layout holding an image
index of them (tag "multi", platforms from each config), for skopeo to push,
and writes OUT/nested.json: an index listing that index.

Usage: make_index.py OUT LAYOUT:TAG [LAYOUT:TAG...]
"""
import hashlib, json, os, shutil, sys

out = sys.argv[1]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)


def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{d}", "size": len(data)}


entries = []
for arg in sys.argv[2:]:
    layout, tag = arg.rsplit(":", 1)
    for name in os.listdir(f"{layout}/blobs/sha256"):
        shutil.copyfile(f"{layout}/blobs/sha256/{name}", f"{out}/blobs/sha256/{name}")
    index = json.load(open(f"{layout}/index.json"))
    desc = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    manifest = json.load(open(f"{layout}/blobs/sha256/{desc['digest'][7:]}"))
    config = json.load(open(f"{layout}/blobs/sha256/{manifest['config']['digest'][7:]}"))
    platform = {"architecture": config["architecture"], "os": config["os"]}
    if config.get("variant"):
        platform["variant"] = config["variant"]
    entries.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"], "platform": platform})

index_type = "application/vnd.oci.image.index.v1+json"
multi = {"mediaType": index_type, **put(json.dumps({"schemaVersion": 2, "mediaType": index_type, "manifests": entries}).encode())}
with open(f"{out}/nested.json", "w") as f:
    json.dump({"schemaVersion": 2, "mediaType": index_type, "manifests": [multi]}, f)
with open(f"{out}/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{**multi, "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}, f)
with open(f"{out}/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion": "1.0.0"}')
