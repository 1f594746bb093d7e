/**
 * The invocation log lines of the Functions host, word for word, so that what reads host logs (a
 * log query, a script watching `func start`) reads the local runtime's too.
 *
 * The WebJobs SDK writes them (Azure/azure-webjobs-sdk, commit f79ea0bff76c31048388fde784a9164b5d880c8a,
 * src/Microsoft.Azure.WebJobs.Host/Loggers/FunctionInstanceLogger.cs):
 *
 *     Executing '{functionName}' (Reason='{reason}', Id={invocationId})            Information
 *     Executed '{functionName}' ({status}, Id={invocationId}, Duration={ms}ms)      Information / Error
 *
 * with the function's short name `Functions.<name>` (Azure/azure-functions-host, commit
 * 89dc438d476542786f2fc4070f553423213a6223, src/WebJobs.Script/Host/ScriptHost.cs: the generated
 * type is `Functions`), the duration truncated to whole milliseconds, and, when the trigger gives
 * details, a `Trigger Details: ...` line after the first (LogTemplatizedTriggerDetails).
 */

/** ExecutionReason.HostCall (src/Microsoft.Azure.WebJobs.Protocols/FunctionStartedMessageExtensions.cs): HTTP requests and the admin API. */
export const HOST_CALL_REASON = 'This function was programmatically called via the host APIs.';

/**
 * The timer extension's reason (Azure/azure-webjobs-sdk-extensions,
 * src/WebJobs.Extensions/Extensions/Timers/Bindings/TimerTriggerBinding.cs, TimerTriggerParameterDescriptor:
 * `Timer fired at {DateTime.Now:o}`).
 */
export function timerReason(now = new Date()): string {
  return `Timer fired at ${roundTripLocal(now)}`;
}

/**
 * The Event Grid extension's reason (Azure/azure-sdk-for-net,
 * sdk/eventgrid/Microsoft.Azure.WebJobs.Extensions.EventGrid/src/TriggerBinding/EventGridTriggerAttributeBindingProvider.cs,
 * EventGridTriggerParameterDescriptor: `EventGrid trigger fired at {DateTime.Now:o}`).
 */
export function eventGridReason(now = new Date()): string {
  return `EventGrid trigger fired at ${roundTripLocal(now)}`;
}

/**
 * The Service Bus extension (v5) gives no reason, which the logger writes `(null)` (as in the host
 * log quoted in Azure/azure-functions-dotnet-worker#1003), and these details, in this order
 * (Azure/azure-sdk-for-net, sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Triggers/ServiceBusTriggerInput.cs,
 * GetTriggerFunctionData); a null value is written `(null)`.
 */
export const SERVICE_BUS_REASON = '(null)';

export interface ServiceBusDetails {
  messageId?: unknown;
  sequenceNumber?: unknown;
  deliveryCount?: number | undefined;
  enqueuedTimeUtc?: Date | undefined;
  lockedUntilUtc?: Date | undefined;
  sessionId?: string | undefined;
}

/** .NET's DateTimeOffset.MinValue in the round-trip format: what an unset time prints as. */
const MIN_DATE = '0001-01-01T00:00:00.0000000+00:00';

/** A value as .NET's logger formats it: `(null)` for nothing. */
function text(v: unknown): string {
  if (v === undefined || v === null || v === '') return '(null)';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${v}`;
  if (Buffer.isBuffer(v)) return v.toString('hex');
  // a Long (the Service Bus SDK's sequence numbers) or anything else that prints itself
  const printed = (v as { toString?: () => unknown }).toString?.();
  return typeof printed === 'string' ? printed : '(null)';
}

export function serviceBusDetails(m: ServiceBusDetails): string {
  return [
    `MessageId: ${text(m.messageId)}`,
    `SequenceNumber: ${m.sequenceNumber === undefined || m.sequenceNumber === null ? '0' : text(m.sequenceNumber)}`,
    `DeliveryCount: ${m.deliveryCount ?? 1}`,
    `EnqueuedTimeUtc: ${m.enqueuedTimeUtc ? roundTripUtc(m.enqueuedTimeUtc) : MIN_DATE}`,
    `LockedUntilUtc: ${m.lockedUntilUtc ? roundTripUtc(m.lockedUntilUtc) : MIN_DATE}`,
    `SessionId: ${text(m.sessionId)}`,
  ].join(', ');
}

export function executingLine(functionName: string, reason: string, invocationId: string): string {
  return `Executing 'Functions.${functionName}' (Reason='${reason}', Id=${invocationId})`;
}

export function triggerDetailsLine(details: string): string {
  return `Trigger Details: ${details}`;
}

export function executedLine(
  functionName: string,
  succeeded: boolean,
  invocationId: string,
  durationMs: number,
): string {
  return `Executed 'Functions.${functionName}' (${succeeded ? 'Succeeded' : 'Failed'}, Id=${invocationId}, Duration=${Math.trunc(durationMs)}ms)`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** .NET's round-trip format ("o") of a local DateTime: `2024-10-17T11:19:22.2840439+02:00`. */
export function roundTripLocal(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}0000${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** .NET's round-trip format ("o") of a UTC DateTimeOffset: `2022-08-23T12:34:38.3280000+00:00`. */
export function roundTripUtc(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.${pad(d.getUTCMilliseconds(), 3)}0000+00:00`;
}
