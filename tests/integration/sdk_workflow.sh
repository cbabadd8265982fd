#!/usr/bin/env bash
# openstacksdk (Debian's python3-openstacksdk, unmodified) against a real
# ingotd, as a client of Ironic uses it: nodes and ports, maintenance via
# update_node (an empty JSON Patch after PUT .../maintenance), power,
# traits, chassis, allocations (20 concurrent requests for 10 nodes: 10
# get a node, 10 end in error, no node twice), deploy and undeploy with
# wait on fake-hardware, and errors as the SDK's exception types.
# Outcomes are checked through the SDK and in the database.
. "$(dirname "$0")/../lib/lib.sh"
PY=/usr/bin/python3	# Debian's, where python3-openstacksdk lives
if ! "$PY" -c 'import openstack' 2>/dev/null; then
	echo "1..0 # SKIP python3-openstacksdk is not installed (scripts/install-deps)"
	exit 77
fi
ingot_start --workers 8 || exit 1

cat >"$T/sdk.py" <<'PY'
import subprocess, sys, threading
import openstack
from openstack import exceptions as exc

url, dbcmd = sys.argv[1], sys.argv[2:]
fails = 0

def conn():
    return openstack.connection.Connection(auth_type="none", auth={"endpoint": url},
        baremetal_endpoint_override=url, baremetal_api_version="1")

def check(what, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    fails += 0 if cond else 1

def db(sql):
    # the database's client (sqlite3 or psql): rows of '|'-joined columns
    return subprocess.run(dbcmd + [sql], capture_output=True, text=True,
                          check=True).stdout.strip()

def raises(what, etype, fn):
    try:
        fn()
    except etype:
        check(what, True)
        return
    except Exception as e:
        check("%s (got %s: %s)" % (what, type(e).__name__, e), False)
        return
    check(what + " (no exception)", False)

bm = conn().baremetal
print("# microversion negotiated:", bm.get_endpoint_data().max_microversion)

# nodes and ports
nodes = []
for i in range(10):
    n = bm.create_node(driver="fake-hardware", name="sdk%d" % i, resource_class="gold",
                       driver_info={"fake_delay": 0})
    nodes.append(n)
check("10 nodes created and made available", all(n.provision_state == "available" for n in nodes))
p = bm.create_port(node_uuid=nodes[0].id, address="52:54:00:5d:00:01")
check("port created", p.address == "52:54:00:5d:00:01")
check("port listed by node", [x.address for x in bm.ports(node=nodes[0].id)] == ["52:54:00:5d:00:01"])
n = bm.update_node(nodes[0], extra={"rack": "r1"})
check("update_node extra", n.extra == {"rack": "r1"})
n = bm.patch_node(nodes[0], [{"op": "add", "path": "/properties/cpus", "value": 8}])
check("patch_node", n.properties.get("cpus") == 8)
check("node list pages through all", len(list(bm.nodes(limit=3))) == 10)

# maintenance through update_node: PUT .../maintenance then PATCH []
n = bm.update_node(nodes[1], is_maintenance=True, maintenance_reason="fan")
check("update_node(is_maintenance=True, reason)", n.is_maintenance and n.maintenance_reason == "fan")
check("maintenance stored", db("select maintenance, maintenance_reason from nodes where name='sdk1'") == "1|fan")
n = bm.update_node(nodes[1], is_maintenance=False)
check("update_node(is_maintenance=False)", not n.is_maintenance)

# power
bm.set_node_power_state(nodes[2], "power off", wait=True, timeout=30)
check("power off with wait", bm.get_node(nodes[2].id).power_state == "power off")
bm.set_node_power_state(nodes[2], "power on", wait=True, timeout=30)
check("power on with wait", bm.get_node(nodes[2].id).power_state == "power on")

# traits
bm.set_node_traits(nodes[3], ["CUSTOM_GPU", "HW_CPU_X86_AVX2"])
bm.add_node_trait(nodes[3], "CUSTOM_FAST")
bm.remove_node_trait(nodes[3], "HW_CPU_X86_AVX2")
check("traits set, added, removed", sorted(bm.get_node(nodes[3].id).traits) == ["CUSTOM_FAST", "CUSTOM_GPU"])
raises("an invalid trait: BadRequestException", exc.BadRequestException,
       lambda: bm.add_node_trait(nodes[3], "not-a-trait"))

# chassis
ch = bm.create_chassis(description="rack 7")
bm.update_node(nodes[4], chassis_id=ch.id)
check("node in the chassis", bm.get_node(nodes[4].id).chassis_id == ch.id)
ch = bm.update_chassis(ch, description="rack 8")
check("update_chassis", bm.get_chassis(ch.id).description == "rack 8")
raises("delete a chassis with nodes: BadRequestException", exc.BadRequestException,
       lambda: bm.delete_chassis(ch))
bm.patch_node(nodes[4], [{"op": "remove", "path": "/chassis_uuid"}])
bm.delete_chassis(ch)
raises("deleted chassis: ResourceNotFound", exc.ResourceNotFound, lambda: bm.get_chassis(ch.id))

# a traits-matching allocation
a = bm.wait_for_allocation(bm.create_allocation(resource_class="gold", traits=["CUSTOM_GPU"]), timeout=30)
check("allocation with a trait gets the node with it", a.state == "active" and a.node_id == nodes[3].id)
bm.delete_allocation(a)
check("deleted allocation frees the node", bm.get_node(nodes[3].id).instance_id is None)

# 20 concurrent allocations for 10 nodes
results, lock = [], threading.Lock()
def one(i):
    c = conn().baremetal
    try:
        a = c.create_allocation(resource_class="gold", name="race%d" % i)
        a = c.wait_for_allocation(a, timeout=60, ignore_error=True)
        r = (a.state, a.node_id)
    except Exception as e:
        r = ("exception", repr(e))
    with lock:
        results.append(r)
ts = [threading.Thread(target=one, args=(i,)) for i in range(20)]
for t in ts: t.start()
for t in ts: t.join()
got = [nid for st, nid in results if st == "active"]
print("# allocation outcomes:", sorted(st for st, _ in results))
check("20 concurrent allocations: 10 active", len(got) == 10)
check("... 10 in error", sum(1 for st, _ in results if st == "error") == 10)
check("... no node twice", len(set(got)) == len(got))
check("... each node holds its allocation", db("select count(*) from nodes n join allocations a on a.node_uuid = n.uuid and n.allocation_uuid = a.uuid and n.instance_uuid = a.uuid") == "10")
err = [a for a in bm.allocations(state="error")]
raises("wait_for_allocation on an error: SDKException", exc.SDKException,
       lambda: bm.wait_for_allocation(err[0], timeout=10))

# deploy and undeploy with wait (the allocation goes with the instance)
target = bm.get_node(got[0])
n = bm.set_node_provision_state(target, "active", wait=True, timeout=60)
check("deploy with wait: active", n.provision_state == "active")
raises("delete the allocation of an active node: ConflictException", exc.ConflictException,
       lambda: bm.delete_allocation(bm.get_node(target.id).allocation_id))
n = bm.set_node_provision_state(target, "deleted", wait=True, timeout=60)
check("undeploy with wait: available", n.provision_state == "available")
check("undeploy freed the allocation", bm.get_node(target.id).allocation_id is None and
      db("select count(*) from allocations where node_uuid='%s'" % target.id) == "0")

# deploy templates (1.55) and a deploy that runs their steps
step = {"interface": "raid", "step": "apply_configuration", "priority": 150,
        "args": {"raid_config": {"logical_disks": [{"size_gb": 10, "raid_level": "1"}]}}}
tpl = bm.create_deploy_template(name="CUSTOM_SDK_RAID", steps=[step])
check("deploy template created", tpl.id is not None and tpl.name == "CUSTOM_SDK_RAID")
check("deploy templates listed with details", [t.name for t in bm.deploy_templates(details=True)
      if t.steps and t.steps[0]["step"] == "apply_configuration"] == ["CUSTOM_SDK_RAID"])
tpl = bm.patch_deploy_template(tpl, [{"op": "add", "path": "/extra/who", "value": "sdk"}])
check("deploy template patched", tpl.extra == {"who": "sdk"})
raises("a template name that is not a trait: BadRequestException", exc.BadRequestException,
       lambda: bm.create_deploy_template(name="raid", steps=[step]))
dn = bm.create_node(driver="fake-hardware", name="sdk-tpl", deploy_interface="fake",
                    raid_interface="fake")
bm.add_node_trait(dn, "CUSTOM_SDK_RAID")
bm.patch_node(dn.id, [{"op": "add", "path": "/instance_info/traits", "value": ["CUSTOM_SDK_RAID"]}])
dn = bm.get_node(dn.id)
bm.set_node_provision_state(dn, "manage", wait=True, timeout=60)
bm.set_node_provision_state(dn, "provide", wait=True, timeout=60)
dn = bm.set_node_provision_state(dn, "active", wait=True, timeout=60)
check("deploy with the template's trait: active", dn.provision_state == "active")
check("... the template's raid step ran", bm.get_node(dn.id).raid_config.get("logical_disks", [{}])[0].get("size_gb") == 10)
bm.delete_deploy_template(tpl)
raises("deleted template: ResourceNotFound", exc.ResourceNotFound,
       lambda: bm.get_deploy_template("CUSTOM_SDK_RAID"))

# 1.82-1.88 through the SDK's own adapter (its Node resource stops at 1.76):
# the negotiated maximum, shards, children, servicing
ver = bm.get_endpoint_data().max_microversion
check("the SDK negotiates 1.88 or later (%s)" % (ver,), ver is not None and tuple(ver) >= (1, 88))
r = bm.patch("/nodes/%s" % nodes[2].id, json=[{"op": "add", "path": "/shard", "value": "sdk"}],
             microversion="1.82")
check("PATCH shard at 1.82: 200", r.status_code == 200 and r.json().get("shard") == "sdk")
shards = bm.get("/shards", microversion="1.82").json()["shards"]
check("GET /v1/shards counts it", {"name": "sdk", "count": 1} in shards)
r = bm.patch("/nodes/%s" % nodes[3].id, json=[{"op": "add", "path": "/parent_node",
             "value": nodes[2].id}], microversion="1.83")
check("PATCH parent_node at 1.83: 200", r.status_code == 200)
kids = bm.get("/nodes/%s/children" % nodes[2].id, microversion="1.83").json()["children"]
check("GET children", kids == [nodes[3].id])
check("an SDK node list leaves the child out", nodes[3].id not in [n.id for n in bm.nodes()])
bm.patch("/nodes/%s" % nodes[3].id, json=[{"op": "remove", "path": "/parent_node"}],
         microversion="1.83")

# errors as exception types
raises("unknown node: ResourceNotFound (404)", exc.ResourceNotFound, lambda: bm.get_node("nope"))
raises("duplicate MAC: ConflictException (409)", exc.ConflictException,
       lambda: bm.create_port(node_uuid=nodes[1].id, address="52:54:00:5d:00:01"))
raises("invalid provision verb: BadRequestException (400)", exc.BadRequestException,
       lambda: bm.set_node_provision_state(nodes[5], "fly"))
check("no lock left", db("select count(*) from nodes where reservation is not null") == "0")
sys.exit(1 if fails else 0)
PY

if [ "$INGOT_DB_ENGINE" = pg ]; then
	dbcmd=(psql -X -q -At -F'|' -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U ingot -d ingot -c)
else
	dbcmd=(sqlite3 -cmd ".timeout 10000" "$T/ingot.db")
fi
"$PY" "$T/sdk.py" "$INGOT_URL" "${dbcmd[@]}" >"$T/sdk.out" 2>"$T/sdk.err"
rc=$?
cat "$T/sdk.out"
while read -r line; do
	case "$line" in "ok - "*) PASS=$((PASS + 1));; "not ok - "*) FAIL=$((FAIL + 1));; esac
done <"$T/sdk.out"
[ "$rc" -eq 0 ] || { FAIL=$((FAIL + 1)); echo "not ok - the SDK script exited $rc"; tail -20 "$T/sdk.err" | sed 's/^/#   /'; }
finish
