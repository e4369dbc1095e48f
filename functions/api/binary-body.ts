import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { HttpEvent } from "./http.ts";

/**
 * For a route that answers a file (a PDF): the handler's body is the file in base64, and API Gateway
 * sends a body marked base64 as the bytes it encodes. Only a 200 is a file; a problem stays JSON.
 */
export const binaryBody = (): MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2> => ({
  after: async (request) => {
    const response = request.response;
    if (response?.statusCode === 200 && typeof response.body === "string") request.response = { ...response, body: JSON.parse(response.body) as string, isBase64Encoded: true };
  },
});
