import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DISCOVERY_KUBECONFIG, KUBEADM_PATCHES_DIR, discoveryKubeconfig, kubeadmConfig, kubeadmInitConfig, kubeadmJoinConfig, kubeletReservesPatch } from '../constructs/kubeadm-config';
import { kubeVipManifest } from '../constructs/kube-vip-manifest';
import { buildModel, KubernetesModel, SiteModel, VmModel } from '../model';
import { parseSite } from '../site';
import reference from '../sites/hookprobe';
import { referenceSite } from './support/sites';

const model = buildModel(reference, 'sites/hookprobe.ts');
const k = model.kubernetes;
const vm = (name: string): VmModel => {
  const found = model.vms.find((v) => v.name === name);
  if (!found) throw new Error(`no VM ${name}`);
  return found;
};
// Digit-only values: they must still reach kubeadm as strings.
const secrets = { token: '123456.1234567890123456', certificateKey: '0123456789012345678901234567890123456789012345678901234567890123' };
const docs = (text: string): Record<string, any>[] => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
const byKind = (text: string): Record<string, Record<string, any>> => Object.fromEntries(docs(text).map((d) => [d.kind, d]));

describe('kubeadmInitConfig', () => {
  const init = byKind(kubeadmConfig({ kubernetes: k, vm: k.firstControlPlane, secrets, skipKubeProxy: true }));

  it('is the v1beta4 init, cluster and kubelet configuration of the first control plane', () => {
    expect(Object.keys(init)).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration']);
    expect(init.InitConfiguration.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(init.ClusterConfiguration.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(k.firstControlPlane.name).toBe('k8s-control-1');
    expect(init.InitConfiguration.nodeRegistration).toMatchObject({ name: 'k8s-control-1', criSocket: 'unix:///run/containerd/containerd.sock' });
    expect(init.InitConfiguration.localAPIEndpoint).toEqual({ advertiseAddress: '10.100.0.10', bindPort: 6443 });
    expect(init.KubeletConfiguration).toEqual({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' });
  });

  it("takes the VIP, CIDRs, version and cluster name from the site", () => {
    const site = reference.kubernetes;
    expect(init.ClusterConfiguration).toMatchObject({
      clusterName: site.clusterName,
      kubernetesVersion: `v${site.version}`,
      controlPlaneEndpoint: `${site.apiVip}:${site.apiPort}`,
      networking: { podSubnet: site.podCidr, serviceSubnet: site.serviceCidr, dnsDomain: 'cluster.local' },
    });
    expect(init.ClusterConfiguration.controlPlaneEndpoint).toBe('10.100.0.100:6443');
    expect(init.ClusterConfiguration.networking).toEqual({ podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16', dnsDomain: 'cluster.local' });
    expect(init.ClusterConfiguration.apiServer.certSANs).toEqual(['10.100.0.100', '10.100.0.10', '10.100.0.11', '10.100.0.12']);
  });

  it('exposes the control-plane metrics kube-prometheus-stack scrapes', () => {
    expect(init.ClusterConfiguration.controllerManager.extraArgs).toEqual([{ name: 'bind-address', value: '0.0.0.0' }]);
    expect(init.ClusterConfiguration.scheduler.extraArgs).toEqual([{ name: 'bind-address', value: '0.0.0.0' }]);
    expect(init.ClusterConfiguration.etcd.local.extraArgs).toEqual([{ name: 'listen-metrics-urls', value: 'http://0.0.0.0:2381' }]);
  });

  it('carries the secrets as given, quoted so that digits stay strings', () => {
    expect(init.InitConfiguration.bootstrapTokens).toEqual([
      expect.objectContaining({ token: secrets.token, ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }),
    ]);
    expect(init.InitConfiguration.certificateKey).toBe(secrets.certificateKey);
    const withExpressions = kubeadmInitConfig({ kubernetes: k, vm: k.firstControlPlane, secrets: { token: '${var.kubeadm_token}', certificateKey: '${var.kubeadm_certificate_key}' } });
    expect(withExpressions).toContain('token: "${var.kubeadm_token}"');
    expect(withExpressions).toContain('certificateKey: "${var.kubeadm_certificate_key}"');
  });

  it('leaves kube-proxy out when Cilium replaces it, and keeps it otherwise', () => {
    expect(init.InitConfiguration.skipPhases).toEqual(['addon/kube-proxy']);
    expect(init.ClusterConfiguration.proxy).toEqual({ disabled: true });
    const withProxy = byKind(kubeadmInitConfig({ kubernetes: k, vm: k.firstControlPlane, secrets }));
    expect(withProxy.InitConfiguration.skipPhases).toBeUndefined();
    expect(withProxy.ClusterConfiguration.proxy).toBeUndefined();
  });

  it('fails when asked for a node that is not the first control plane', () => {
    expect(() => kubeadmInitConfig({ kubernetes: k, vm: vm('k8s-worker-1'), secrets })).toThrow(/k8s-worker-1 is a worker; kubeadm init runs on a control plane/);
  });
});

describe('kubeletReservesPatch', () => {
  it("sets kubeReserved and systemReserved for the node's size, read by init and join from the patches directory", () => {
    expect(parse(kubeletReservesPatch(vm('k8s-worker-1')))).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      kubeReserved: { cpu: '90m', memory: '3646Mi' },
      systemReserved: { cpu: '100m', memory: '256Mi' },
    });
    expect(parse(kubeletReservesPatch(vm('k8s-control-1'))).kubeReserved).toEqual({ cpu: '80m', memory: '1844Mi' });
    expect(parse(kubeletReservesPatch(vm('k8s-gpu-worker-1'))).kubeReserved).toEqual({ cpu: '110m', memory: '5612Mi' });
    const init = byKind(kubeadmConfig({ kubernetes: k, vm: k.firstControlPlane, secrets }));
    expect(init.InitConfiguration.patches).toEqual({ directory: KUBEADM_PATCHES_DIR });
    // The cluster-wide KubeletConfiguration (the kubelet-config ConfigMap every node reads) carries no node's reserves.
    expect(init.KubeletConfiguration.kubeReserved).toBeUndefined();
    for (const name of ['k8s-control-2', 'k8s-worker-1']) expect(docs(kubeadmConfig({ kubernetes: k, vm: vm(name), secrets }))[0].patches).toEqual({ directory: KUBEADM_PATCHES_DIR });
  });

  it('writes the reserves it is given', () => {
    const text = kubeletReservesPatch(vm('k8s-worker-1'), { kubeReserved: { cpuMilli: 1, memoryMiB: 2 }, systemReserved: { cpuMilli: 3, memoryMiB: 4 } });
    expect(parse(text)).toMatchObject({ kubeReserved: { cpu: '1m', memory: '2Mi' }, systemReserved: { cpu: '3m', memory: '4Mi' } });
  });
});

describe('kubeadmJoinConfig', () => {
  it('joins the other control planes with the certificate key and their own API endpoint', () => {
    const [join] = docs(kubeadmConfig({ kubernetes: k, vm: vm('k8s-control-2'), secrets }));
    expect(join).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'JoinConfiguration',
      discovery: { file: { kubeConfigPath: DISCOVERY_KUBECONFIG }, tlsBootstrapToken: secrets.token },
      controlPlane: { localAPIEndpoint: { advertiseAddress: '10.100.0.11', bindPort: 6443 }, certificateKey: secrets.certificateKey },
    });
    // Control planes keep kubeadm's default control-plane taint.
    expect(join.nodeRegistration.taints).toBeUndefined();
  });

  it('joins workers without the certificate key', () => {
    const text = kubeadmJoinConfig({ kubernetes: k, vm: vm('k8s-worker-3'), secrets });
    const [join] = docs(text);
    expect(join.controlPlane).toBeUndefined();
    expect(text).not.toContain(secrets.certificateKey);
    expect(join.nodeRegistration).toEqual({
      name: 'k8s-worker-3',
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: [{ name: 'node-ip', value: '10.100.0.22' }],
      taints: [],
    });
  });

  it('labels and taints the GPU worker from the model', () => {
    const gpu = vm('k8s-gpu-worker-1');
    expect(gpu.labels).toEqual({ 'nvidia.com/gpu': 'true' });
    const [join] = docs(kubeadmJoinConfig({ kubernetes: k, vm: gpu, secrets }));
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: 'node-ip', value: '10.100.0.30' },
      { name: 'node-labels', value: 'nvidia.com/gpu=true' },
    ]);
    expect(join.nodeRegistration.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  it('fails when a node label is one kubelet may not set on itself (a guard: the model refuses such a pool label first)', () => {
    const worker: VmModel = { ...vm('k8s-worker-1'), labels: { 'node-role.kubernetes.io/worker': '' } };
    expect(() => kubeadmJoinConfig({ kubernetes: k, vm: worker, secrets })).toThrow(/node label "node-role.kubernetes.io\/worker" of k8s-worker-1 .*kubelet may not set/);
    const site = referenceSite() as Record<string, any>;
    site.kubernetes.nodePools[1].labels = { 'node-role.kubernetes.io/worker': '' };
    expect(() => buildModel(parseSite(site, 'test'), 'test')).toThrow(/kubernetes\.nodePools\[1\]\.labels.*NodeRestriction/);
  });

  it('fails when the Kubernetes version predates kubeadm v1beta4', () => {
    const old: KubernetesModel = { ...k, version: '1.30.9', minorVersion: '1.30' };
    expect(() => kubeadmJoinConfig({ kubernetes: old, vm: vm('k8s-worker-1'), secrets })).toThrow(/1\.30\.9 predates kubeadm\.k8s\.io\/v1beta4.*use 1\.31 or later/);
  });

  it('fails when the VM is not a node of the cluster', () => {
    const stranger: VmModel = { ...vm('k8s-worker-1'), name: 'elsewhere-1' };
    expect(() => kubeadmJoinConfig({ kubernetes: k, vm: stranger, secrets })).toThrow(/elsewhere-1 is not a node of cluster hookprobe/);
  });
});

describe('discoveryKubeconfig', () => {
  it('points joining nodes at the VIP and pins the CA', () => {
    const conf = parse(discoveryKubeconfig(k, 'Q0FEQVRB'));
    expect(conf.clusters).toEqual([{ name: 'hookprobe', cluster: { server: 'https://10.100.0.100:6443', 'certificate-authority-data': 'Q0FEQVRB' } }]);
    expect(conf['current-context']).toBe('hookprobe');
    expect(conf.users).toEqual([]);
  });
});

describe('kubeVipManifest', () => {
  const site: SiteModel = model;
  const pod = parse(kubeVipManifest({ address: site.kubernetes.apiVip, port: 6443, interface: 'eth0', version: site.kubernetes.vip.version }));

  it('runs the pinned kube-vip in ARP mode for the API VIP', () => {
    const c = pod.spec.containers[0];
    expect(c.image).toBe('ghcr.io/kube-vip/kube-vip:v0.8.9');
    const env = Object.fromEntries(c.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ vip_arp: 'true', address: '10.100.0.100', port: '6443', vip_interface: 'eth0', cp_enable: 'true', vip_leaderelection: 'true', svc_enable: 'false' });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] });
    expect(pod.spec.hostNetwork).toBe(true);
    expect(pod.spec.volumes[0].hostPath).toEqual({ path: '/etc/kubernetes/admin.conf', type: 'File' });
  });

  it('mounts super-admin.conf when asked, for the node that runs kubeadm init', () => {
    const init = parse(kubeVipManifest({ address: '10.100.0.100', port: 6443, interface: 'eth0', version: 'v0.8.9', kubeconfig: '/etc/kubernetes/super-admin.conf' }));
    expect(init.spec.volumes[0].hostPath.path).toBe('/etc/kubernetes/super-admin.conf');
    expect(init.spec.containers[0].volumeMounts[0].mountPath).toBe('/etc/kubernetes/admin.conf');
  });

  it('fails when the version is not a release tag', () => {
    expect(() => kubeVipManifest({ address: '10.0.0.1', port: 6443, interface: 'eth0', version: 'latest' })).toThrow(/must be a release tag like v0.8.9/);
  });
});
