import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { positiveInt } from '../../site/primitives';
import { addonFacts, RESTRICTED } from '../addon-facts';

/** platform.addons.ingressNginx: the add-on's part of the site schema. */
export const ingressNginxSpec = z
  .strictObject({ ...chartAddon, replicas: positiveInt.default(2).describe('Controller replicas. Default: 2.') });
export type IngressNginxSpec = z.output<typeof ingressNginxSpec>;

export const ingressNginxFacts = addonFacts({
  key: 'ingressNginx',
  spec: ingressNginxSpec,
  description: 'ingress-nginx as the ingress controller. Default: not installed, apps cannot be published.',
  component: 'ingress-nginx',
  namespace: 'ingress-nginx',
  provides: ['ingress'],
  needs: ['cni', 'load-balancer'],
  podSecurity: RESTRICTED,
  ingressClass: 'nginx',
  ingressMetrics: { requests: 'nginx_ingress_controller_requests', durationBuckets: 'nginx_ingress_controller_request_duration_seconds_bucket' },
  network: {
    // The controller pods as the chart labels them, with the ports the chart gives their containers.
    ingressController: {
      podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
      ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }],
    },
  },
  // The ingress controller is the site's published entry point: a LoadBalancer Service is what the add-on is.
  policyExceptions: [
    {
      objects: ['Service/{ns}/*-controller'],
      rules: ['service-loadbalancer'],
      reason: 'platform.addons.ingressNginx publishes the ingress controller on an address of the site\'s load-balancer range',
    },
    {
      objects: ['Deployment/{ns}/*-controller'],
      rules: ['read-only-root-fs'],
      reason: 'nginx writes the configuration the controller generates, its PID file and request buffers under /etc/nginx and /tmp in the image; upstream runs it with a writable root filesystem',
    },
  ],
});
