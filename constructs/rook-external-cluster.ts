import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import * as rook from '../imports/k8s-crds/ceph.rook.io';
import { SyncedSecret } from './synced-secret';

export interface CephMonitor {
  /** Monitor id as the Ceph cluster knows it (on Proxmox: the node's host name). */
  readonly name: string;
  /** Address on the Ceph public network. */
  readonly ip: string;
}

export interface RookExternalClusterProps {
  /** Namespace of the Rook operator and of the cluster; also the CSI clusterID and driver-name prefix. */
  readonly namespace: string;
  /** Monitors of the external cluster. */
  readonly monitors: readonly CephMonitor[];
  /** Monitor port (msgr v1, which the CSI drivers use). @default 6789 */
  readonly monitorPort?: number;
  /** ClusterSecretStore holding the Ceph keys. */
  readonly store: string;
  /** The RBD StorageClass. */
  readonly rbd: {
    readonly storageClassName: string;
    /** Existing RBD pool of the external cluster. */
    readonly pool: string;
    /** Whether claims without a class land here. */
    readonly isDefault: boolean;
  };
  /** A CephFS StorageClass (ReadWriteMany). @default - none */
  readonly cephfs?: {
    readonly storageClassName: string;
    readonly fsName: string;
    readonly dataPool: string;
  };
  /** RBD image features; "layering" works with every kernel. @default "layering" */
  readonly rbdImageFeatures?: string;
}

/** Ceph users the CSI drivers authenticate as (created on the Ceph side by Rook's create-external-cluster-resources.py). */
const CSI_USERS = {
  rbdNode: 'csi-rbd-node',
  rbdProvisioner: 'csi-rbd-provisioner',
  cephfsNode: 'csi-cephfs-node',
  cephfsProvisioner: 'csi-cephfs-provisioner',
} as const;

/** The read-only user Rook's health checks run as. */
const HEALTHCHECK_USER = 'client.healthchecker';

/**
 * Rook in external mode against an existing Ceph cluster (Proxmox's): the CephCluster in external mode, the monitor
 * endpoints, the connection and CSI secrets (as SyncedSecrets: keys come from the store, never from the manifest)
 * and the StorageClasses. These are the objects Rook's import-external-cluster.sh would create by hand.
 */
export class RookExternalCluster extends Construct {
  /** Name of the monitor-endpoints ConfigMap and of the connection Secret Rook reads. */
  public static readonly MON_ENDPOINTS = 'rook-ceph-mon-endpoints';
  public static readonly MON_SECRET = 'rook-ceph-mon';

  public readonly cephCluster: rook.CephCluster;
  public readonly monEndpoints: k8s.KubeConfigMap;
  public readonly secrets: readonly SyncedSecret[];
  public readonly storageClasses: readonly k8s.KubeStorageClass[];

  constructor(scope: Construct, id: string, props: RookExternalClusterProps) {
    super(scope, id);
    const ns = props.namespace;
    if (props.monitors.length === 0) {
      throw new Error(`RookExternalCluster ${ns}: monitors is empty; Rook needs at least one monitor address of the external cluster`);
    }
    const port = props.monitorPort ?? 6789;

    this.cephCluster = new rook.CephCluster(this, 'CephCluster', {
      metadata: { name: ns, namespace: ns },
      spec: {
        external: { enable: true },
        dataDirHostPath: '/var/lib/rook',
        // The Proxmox side collects crashes; Rook runs no daemons of the external cluster.
        crashCollector: { disable: true },
        healthCheck: { daemonHealth: { mon: { disabled: false, interval: '45s' } } },
      },
    });

    this.monEndpoints = new k8s.KubeConfigMap(this, 'MonEndpoints', {
      // The operator rewrites the endpoints as it follows the monitors; Argo CD seeds them and then leaves them alone.
      metadata: { name: RookExternalCluster.MON_ENDPOINTS, namespace: ns, annotations: { 'site-compiler/argocd-ignore-differences': '/data' } },
      data: {
        data: props.monitors.map((m) => `${m.name}=${m.ip}:${port}`).join(','),
        mapping: '{}',
        maxMonId: String(props.monitors.length - 1),
      },
    });

    const rookSecret = (name: string, user: string): SyncedSecret =>
      new SyncedSecret(this, name, {
        name,
        namespace: ns,
        store: props.store,
        type: 'kubernetes.io/rook',
        keys: [{ secretKey: 'userKey', remoteKey: name, property: 'userKey' }],
        template: { userID: user },
      });
    const secrets: SyncedSecret[] = [
      new SyncedSecret(this, RookExternalCluster.MON_SECRET, {
        name: RookExternalCluster.MON_SECRET,
        namespace: ns,
        store: props.store,
        type: 'kubernetes.io/rook',
        keys: [
          { secretKey: 'fsid', remoteKey: RookExternalCluster.MON_SECRET, property: 'fsid' },
          { secretKey: 'ceph-secret', remoteKey: RookExternalCluster.MON_SECRET, property: 'ceph-secret' },
        ],
        // Rook's placeholders for "no admin key": the cluster is reached as the health-check user only.
        template: { 'cluster-name': ns, 'admin-secret': 'admin-secret', 'mon-secret': 'mon-secret', 'ceph-username': HEALTHCHECK_USER },
      }),
      rookSecret(`rook-${CSI_USERS.rbdNode}`, CSI_USERS.rbdNode),
      rookSecret(`rook-${CSI_USERS.rbdProvisioner}`, CSI_USERS.rbdProvisioner),
    ];
    if (props.cephfs) {
      secrets.push(rookSecret(`rook-${CSI_USERS.cephfsNode}`, CSI_USERS.cephfsNode), rookSecret(`rook-${CSI_USERS.cephfsProvisioner}`, CSI_USERS.cephfsProvisioner));
    }
    this.secrets = secrets;

    const csiSecrets = (provisioner: string, node: string): Record<string, string> => ({
      'csi.storage.k8s.io/provisioner-secret-name': `rook-${provisioner}`,
      'csi.storage.k8s.io/provisioner-secret-namespace': ns,
      'csi.storage.k8s.io/controller-expand-secret-name': `rook-${provisioner}`,
      'csi.storage.k8s.io/controller-expand-secret-namespace': ns,
      'csi.storage.k8s.io/node-stage-secret-name': `rook-${node}`,
      'csi.storage.k8s.io/node-stage-secret-namespace': ns,
    });
    const classes = [
      new k8s.KubeStorageClass(this, 'RbdStorageClass', {
        metadata: {
          name: props.rbd.storageClassName,
          ...(props.rbd.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
        },
        provisioner: `${ns}.rbd.csi.ceph.com`,
        parameters: {
          clusterID: ns,
          pool: props.rbd.pool,
          imageFormat: '2',
          imageFeatures: props.rbdImageFeatures ?? 'layering',
          ...csiSecrets(CSI_USERS.rbdProvisioner, CSI_USERS.rbdNode),
          'csi.storage.k8s.io/fstype': 'ext4',
        },
        allowVolumeExpansion: true,
        reclaimPolicy: 'Delete',
      }),
    ];
    if (props.cephfs) {
      classes.push(
        new k8s.KubeStorageClass(this, 'CephfsStorageClass', {
          metadata: { name: props.cephfs.storageClassName },
          provisioner: `${ns}.cephfs.csi.ceph.com`,
          parameters: {
            clusterID: ns,
            fsName: props.cephfs.fsName,
            pool: props.cephfs.dataPool,
            ...csiSecrets(CSI_USERS.cephfsProvisioner, CSI_USERS.cephfsNode),
          },
          allowVolumeExpansion: true,
          reclaimPolicy: 'Delete',
        }),
      );
    }
    this.storageClasses = classes;
  }
}
