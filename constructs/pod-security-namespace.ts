import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';

/** Pod Security Standards levels, as the pod-security.kubernetes.io labels spell them. */
export class PodSecurityLevel {
  public static readonly RESTRICTED = new PodSecurityLevel('restricted');
  public static readonly BASELINE = new PodSecurityLevel('baseline');
  public static readonly PRIVILEGED = new PodSecurityLevel('privileged');

  public static of(level: string): PodSecurityLevel {
    const found = [PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE, PodSecurityLevel.PRIVILEGED].find((l) => l.value === level);
    if (!found) throw new Error(`PodSecurityLevel: "${level}" is not a Pod Security Standards level; use restricted, baseline or privileged`);
    return found;
  }

  private constructor(public readonly value: 'restricted' | 'baseline' | 'privileged') {}
}

export interface PodSecurityNamespaceProps {
  readonly name: string;
  /**
   * Level enforced on every pod of the namespace.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly level?: PodSecurityLevel;
  /**
   * Why the namespace needs a level below restricted; required then, and rendered as an annotation
   * so the exception is visible in review.
   * @default - none (only allowed with RESTRICTED)
   */
  readonly reason?: string;
}

/**
 * A namespace with Pod Security Standards enforced. Audit and warn are always "restricted", so even
 * an exempted namespace shows what would fail the strict profile.
 */
export class PodSecurityNamespace extends Construct {
  public readonly name: string;
  public readonly level: PodSecurityLevel;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PodSecurityNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.level = props.level ?? PodSecurityLevel.RESTRICTED;
    if (this.level !== PodSecurityLevel.RESTRICTED && !props.reason) {
      throw new Error(`PodSecurityNamespace ${props.name}: level "${this.level.value}" needs a reason; say which workload needs it and why`);
    }
    this.apiObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: {
          'pod-security.kubernetes.io/enforce': this.level.value,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
        ...(props.reason ? { annotations: { 'site-compiler/pod-security-reason': props.reason } } : {}),
      },
    });
  }
}
