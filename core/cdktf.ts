// The one place that names the CDK for Terraform package. cdktf was archived upstream on
// 2025-12-10 and continues as the community fork `cdktn` with the same API: switching is a
// change of the module name below (the generated bindings in imports/ import this file too).
export * from 'cdktf';
