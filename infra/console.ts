import { Aws, CfnOutput, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { type CfnUserPoolClient, OAuthScope, type UserPoolDomain } from "aws-cdk-lib/aws-cognito";
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { apiRoutes } from "../functions/api/routes.ts";
import type { BackOfficeStack } from "./stack.ts";

/** CloudFront path patterns that go to the API: one per first path segment of the route table. */
export function apiPathPatterns(): string[] {
  const firstSegments = new Set(apiRoutes.map((r) => r.path.split("/")[1]!));
  return [...firstSegments].sort().map((segment) => (segment.includes(".") ? `/${segment}` : `/${segment}*`));
}

/**
 * The staff console on AWS: its static files in a private bucket, served by CloudFront (origin
 * access control) next to the staff API, which is the distribution's second origin for the API's
 * paths. Same origin for both, so the browser needs no CORS and the API stays the only back end.
 * Staff sign in through the Cognito hosted UI (authorization code with PKCE) on the staff client.
 */
export class StaffConsole extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly domain: UserPoolDomain;
  readonly url: string;

  constructor(stack: BackOfficeStack, id: string, props: { assetDir: string }) {
    super(stack, id);
    const { config } = stack;
    this.bucket = new Bucket(this, "Assets", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: stack.storage.accessLogs,
      serverAccessLogsPrefix: "console/",
      // Built from the repository on every deploy: nothing in it to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const apiOrigin = new HttpOrigin(`${stack.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY });
    const apiBehaviour = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      // Every answer is per caller: never cached; every viewer header (Authorization, If-Match, Idempotency-Key) passes, the Host is the API's.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, "Distribution", {
      comment: `Subsidy back office staff console (${config.stage})`,
      defaultRootObject: "console/index.html",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      additionalBehaviors: Object.fromEntries(apiPathPatterns().map((pattern) => [pattern, apiBehaviour])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${this.distribution.distributionDomainName}/`;

    // The hosted UI: a Cognito domain, and the staff client allowed the code grant back to the console.
    this.domain = stack.userPool.addDomain("ConsoleSignIn", { cognitoDomain: { domainPrefix: `subsidy-back-office-${config.stage}-${Aws.ACCOUNT_ID}` } });
    const client = stack.userPoolClient.node.defaultChild as CfnUserPoolClient;
    // The stack's client has OAuth off (no hosted UI until the console); the console turns on the code grant only, never implicit.
    client.allowedOAuthFlowsUserPoolClient = true;
    client.allowedOAuthFlows = ["code"];
    client.allowedOAuthScopes = [OAuthScope.OPENID.scopeName, OAuthScope.EMAIL.scopeName, OAuthScope.PROFILE.scopeName];
    client.supportedIdentityProviders = ["COGNITO"];
    client.callbackUrLs = [this.url];
    client.logoutUrLs = [this.url];

    const deployment = new BucketDeployment(this, "Deploy", {
      destinationBucket: this.bucket,
      destinationKeyPrefix: "console/",
      sources: [
        Source.asset(props.assetDir, { exclude: ["*.map"] }),
        Source.jsonData("config.json", { auth: "cognito", domain: this.domain.baseUrl(), clientId: stack.userPoolClient.userPoolClientId, redirectUri: this.url, scopes: "openid email profile" }),
      ],
      distribution: this.distribution,
      distributionPaths: ["/console/*"],
      memoryLimit: 256,
    });

    new CfnOutput(stack, "ConsoleUrl", { value: this.url });
    new CfnOutput(stack, "ConsoleSignInDomain", { value: this.domain.baseUrl() });

    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR1",
      reason: "Staff work from wherever they are (home, travel, the hubs' sites); who may use the console is decided by Cognito sign-in (MFA in prod) and the API's roles, not by country.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR2",
      reason: "The distribution serves public static files and forwards to the staff API, which refuses every request without a Cognito token and throttles its stage (50/s); a WAF web ACL would add cost without guarding data the API does not already guard.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR3",
      reason: "Every API call through the distribution is logged by the API stage's access log (caller, route, status); the other requests fetch the console's public static files, and CloudFront's standard logs would need ACLs on the access-log bucket, which enforces bucket-owner ownership.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR4",
      reason: "The stack uses CloudFront's default *.cloudfront.net certificate, whose security policy CloudFront fixes; a custom domain with an ACM certificate and TLSv1.2_2021 is a deploy-time choice (docs/deploy.md), not something the stack can set for the default domain.",
    });
    // CDK's BucketDeployment handler: a deploy-time Lambda (invoked by CloudFormation only) that copies the built files into the bucket.
    Validations.of(deployment.handlerRole).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: "CDK's own BucketDeployment handler creates its role with this managed policy; it runs only during deployments, to copy the console's files, and the policy only lets it write its own logs.",
    });
    const assetsArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*`;
    const cdkAssets = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*";
    for (const finding of ["Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*", `Resource::${cdkAssets}`, `Resource::${assetsArn}`, "Resource::*"]) {
      Validations.of(deployment.handlerRole).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: "CDK's BucketDeployment handler (deploy time only) reads the deployment's asset in the CDK asset bucket and replaces every object of the console bucket, keys known only at deploy time, so its grants (CDK's, not ours) use wildcards; it also invalidates the distribution, which has no resource-level permission.",
      });
    }
    const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: "AwsSolutions-L1",
        reason: "CDK's BucketDeployment handler is CDK's code on the runtime CDK picks for it (aws-cdk-lib pins and tests it); it runs only during deployments, and moves with the aws-cdk-lib version.",
      });
    }
  }
}
