// A gophercloud (Debian's golang-github-gophercloud-gophercloud-dev,
// unmodified) client workflow against ingotd, as terraform-provider-ironic
// and Metal3's Go code use Ironic: drivers, nodes with paging, PATCH, ports,
// validate, boot device, power, manage/provide, 20 concurrent allocations for
// 10 nodes, deploy and undeploy with a JSON config drive, and errors as
// gophercloud's typed errors.  Prints "ok - ..." / "not ok - ..." lines.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud"
	"github.com/gophercloud/gophercloud/openstack/baremetal/noauth"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/allocations"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/drivers"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/ports"
)

var fails int

func check(what string, cond bool, detail ...interface{}) {
	if cond {
		fmt.Printf("ok - gophercloud: %s\n", what)
		return
	}
	fails++
	fmt.Printf("not ok - gophercloud: %s %v\n", what, detail)
}

func client(url string) *gophercloud.ServiceClient {
	c, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: url + "/v1/"})
	if err != nil {
		fmt.Printf("not ok - gophercloud: client: %v\n", err)
		os.Exit(1)
	}
	c.Microversion = "1.88" // the maximum but vmedia (1.89)
	return c
}

// waitNode polls a node until cond holds (60 s: the machine may be slow).
func waitNode(c *gophercloud.ServiceClient, id string, cond func(*nodes.Node) bool) *nodes.Node {
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := nodes.Get(c, id).Extract()
		if err == nil && cond(n) {
			return n
		}
		if time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func state(want string) func(*nodes.Node) bool {
	return func(n *nodes.Node) bool { return n.ProvisionState == want }
}

func main() {
	c := client(os.Args[1])

	// Drivers.
	page, err := drivers.ListDrivers(c, drivers.ListDriversOpts{}).AllPages()
	ds, _ := drivers.ExtractDrivers(page)
	names := map[string]bool{}
	for _, d := range ds {
		names[d.Name] = true
	}
	check("drivers list has fake-hardware and ipmi", err == nil && names["fake-hardware"] && names["ipmi"], err)

	// Twelve nodes, listed five per page.
	var ids []string
	for i := 0; i < 12; i++ {
		n, err := nodes.Create(c, nodes.CreateOpts{Driver: "fake-hardware",
			Name: fmt.Sprintf("gc%02d", i), ResourceClass: "gold",
			Properties: map[string]interface{}{"cpus": 4}}).Extract()
		if err != nil {
			check("node create", false, err)
			os.Exit(1)
		}
		ids = append(ids, n.UUID)
	}
	check("12 nodes created", len(ids) == 12)
	// gophercloud 0.12's pager follows "nodes_links", which Ironic never
	// sends (it sends "next"): it stops after one page against Ironic too.
	// So page by marker, as its callers do.
	seen, pages, marker := 0, 0, ""
	for pages < 10 {
		pg, err := nodes.List(c, nodes.ListOpts{Limit: 5, Marker: marker}).AllPages()
		ns, err2 := nodes.ExtractNodes(pg)
		if err != nil || err2 != nil || len(ns) == 0 {
			break
		}
		seen += len(ns)
		pages++
		marker = ns[len(ns)-1].UUID
	}
	check("node list pages through every node by marker (5 a page)", seen == 12 && pages == 3, seen, pages)
	all, err := nodes.ListDetail(c, nodes.ListOpts{}).AllPages()
	dn, _ := nodes.ExtractNodes(all)
	check("node detail list", err == nil && len(dn) == 12 && dn[0].Driver == "fake-hardware", err)

	// PATCH.
	n, err := nodes.Update(c, ids[0], nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/extra/rack", Value: "r1"},
		nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/name", Value: "gc-first"},
	}).Extract()
	check("node update (JSON Patch)", err == nil && n.Name == "gc-first" && n.Extra["rack"] == "r1", err)

	// Ports.
	p, err := ports.Create(c, ports.CreateOpts{NodeUUID: ids[0], Address: "52:54:00:aa:00:01"}).Extract()
	check("port create", err == nil && p.Address == "52:54:00:aa:00:01", err)
	if err == nil {
		p2, err := ports.Update(c, p.UUID, ports.UpdateOpts{
			ports.UpdateOperation{Op: ports.AddOp, Path: "/extra/cable", Value: "c7"}}).Extract()
		check("port update", err == nil && p2.Extra["cable"] == "c7", err)
		pp, err := ports.List(c, ports.ListOpts{Address: "52:54:00:aa:00:01"}).AllPages()
		pl, _ := ports.ExtractPorts(pp)
		check("port list by address", err == nil && len(pl) == 1, err)
		check("port delete", ports.Delete(c, p.UUID).ExtractErr() == nil)
	}

	// Validate, boot device, power.
	v, err := nodes.Validate(c, ids[0]).Extract()
	check("validate", err == nil && v.Power.Result && v.Management.Result, err)
	err = nodes.SetBootDevice(c, ids[0], nodes.BootDeviceOpts{BootDevice: "pxe", Persistent: true}).ExtractErr()
	bd, err2 := nodes.GetBootDevice(c, ids[0]).Extract()
	check("boot device set and read back", err == nil && err2 == nil && bd.BootDevice == "pxe" && bd.Persistent, err, err2)
	err = nodes.ChangePowerState(c, ids[0], nodes.PowerStateOpts{Target: nodes.PowerOn}).ExtractErr()
	n = waitNode(c, ids[0], func(n *nodes.Node) bool { return n.PowerState == "power on" })
	check("power on", err == nil && n.PowerState == "power on", err)

	// manage and provide ten nodes.
	for _, id := range ids[:10] {
		if err := nodes.ChangeProvisionState(c, id, nodes.ProvisionStateOpts{Target: nodes.TargetManage}).ExtractErr(); err != nil {
			check("manage", false, err)
		}
	}
	ok := true
	for _, id := range ids[:10] {
		ok = ok && waitNode(c, id, state("manageable")).ProvisionState == "manageable"
		if err := nodes.ChangeProvisionState(c, id, nodes.ProvisionStateOpts{Target: nodes.TargetProvide}).ExtractErr(); err != nil {
			check("provide", false, err)
		}
	}
	for _, id := range ids[:10] {
		ok = ok && waitNode(c, id, state("available")).ProvisionState == "available"
	}
	check("ten nodes managed and provided", ok)

	// 20 concurrent allocations for the 10 available nodes.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var allocs []string
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, err := allocations.Create(client(os.Args[1]), allocations.CreateOpts{
				ResourceClass: "gold", Name: fmt.Sprintf("ga%02d", i)}).Extract()
			if err == nil {
				mu.Lock()
				allocs = append(allocs, a.UUID)
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	check("20 allocations accepted", len(allocs) == 20, len(allocs))
	active, failed := 0, 0
	used := map[string]bool{}
	twice := false
	for _, id := range allocs {
		deadline := time.Now().Add(60 * time.Second)
		for {
			a, err := allocations.Get(c, id).Extract()
			if err == nil && a.State != "allocating" {
				if a.State == "active" {
					active++
					twice = twice || used[a.NodeUUID]
					used[a.NodeUUID] = true
				} else {
					failed++
				}
				break
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	check("10 allocations active, 10 in error, no node twice", active == 10 && failed == 10 && !twice, active, failed)
	for _, id := range allocs {
		allocations.Delete(c, id)
	}
	ok = true
	for _, id := range ids[:10] {
		ok = ok && waitNode(c, id, func(n *nodes.Node) bool { return n.InstanceUUID == "" }).InstanceUUID == ""
	}
	check("deleting the allocations frees the nodes", ok)

	// Deploy with a JSON config drive, then undeploy.
	_, err = nodes.Update(c, ids[1], nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/deploy_interface", Value: "fake"}}).Extract()
	check("deploy_interface fake", err == nil, err)
	err = nodes.ChangeProvisionState(c, ids[1], nodes.ProvisionStateOpts{Target: nodes.TargetActive,
		ConfigDrive: nodes.ConfigDrive{MetaData: map[string]interface{}{"hostname": "gc1"},
			UserData: "#!/bin/sh\necho hi\n"}}).ExtractErr()
	n = waitNode(c, ids[1], state("active"))
	check("deploy reaches active", err == nil && n.ProvisionState == "active", err, n.ProvisionState)
	err = nodes.ChangeProvisionState(c, ids[1], nodes.ProvisionStateOpts{Target: nodes.TargetDeleted}).ExtractErr()
	n = waitNode(c, ids[1], state("available"))
	check("undeploy returns it to available", err == nil && n.ProvisionState == "available", err, n.ProvisionState)

	// Errors as gophercloud's types.
	_, err = nodes.Get(c, "no-such-node").Extract()
	_, is404 := err.(gophercloud.ErrDefault404)
	check("unknown node: ErrDefault404", is404, err)
	err = nodes.ChangeProvisionState(c, ids[11], nodes.ProvisionStateOpts{Target: nodes.TargetProvide}).ExtractErr()
	_, is400 := err.(gophercloud.ErrDefault400)
	check("invalid transition: ErrDefault400", is400, err)
	_, err = nodes.Create(c, nodes.CreateOpts{Driver: "fake-hardware", Name: "gc11"}).Extract()
	_, is409 := err.(gophercloud.ErrDefault409)
	check("duplicate name: ErrDefault409", is409, err)
	_, err = nodes.Update(c, ids[2], nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/provision_state", Value: "active"}}).Extract()
	_, is400 = err.(gophercloud.ErrDefault400)
	check("read-only field in PATCH: ErrDefault400", is400, err)

	// Delete.
	ok = true
	for _, id := range ids {
		ok = ok && nodes.Delete(c, id).ExtractErr() == nil
	}
	check("every node deleted", ok)
	if fails > 0 {
		os.Exit(1)
	}
}
