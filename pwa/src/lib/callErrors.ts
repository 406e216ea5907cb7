/**
 * Why a call failed, in words a person can act on. JsSIP reports a cause string (JsSIP.C.causes) and, for SIP
 * failures, the response; the status code is the more precise of the two, so it is checked first.
 */
export type CallFailure =
  | 'notFound'
  | 'unavailable'
  | 'busy'
  | 'declined'
  | 'addressIncomplete'
  | 'noAnswer'
  | 'canceled'
  | 'network'
  | 'micDenied'
  | 'media'
  | 'auth'
  | 'server'
  | 'failed';

export function failureForStatus(status: number): CallFailure | undefined {
  switch (status) {
    case 404:
    case 604:
      return 'notFound';
    case 408:
    case 410:
    case 430:
    case 480:
      return 'unavailable';
    case 486:
    case 600:
      return 'busy';
    case 403:
    case 603:
      return 'declined';
    case 484:
      return 'addressIncomplete';
    case 487:
      return 'canceled';
    case 488:
    case 606:
      return 'media';
    case 401:
    case 407:
      return 'auth';
  }
  if (status >= 500 && status < 600) return 'server';
  return undefined;
}

/** JsSIP cause strings (values of JsSIP.C.causes), kept literal so this module does not load JsSIP. */
export function failureForCall(cause: string | undefined, statusCode?: number): CallFailure {
  if (statusCode !== undefined && statusCode >= 300) {
    const byStatus = failureForStatus(statusCode);
    if (byStatus) return byStatus;
  }
  switch (cause) {
    case 'Not Found':
      return 'notFound';
    case 'Unavailable':
      return 'unavailable';
    case 'Busy':
      return 'busy';
    case 'Rejected':
      return 'declined';
    case 'Address Incomplete':
      return 'addressIncomplete';
    case 'No Answer':
    case 'Expires':
      return 'noAnswer';
    case 'Canceled':
      return 'canceled';
    case 'Connection Error':
    case 'Request Timeout':
    case 'RTP Timeout':
    case 'No ACK':
      return 'network';
    case 'User Denied Media Access':
      return 'micDenied';
    case 'Incompatible SDP':
    case 'Missing SDP':
    case 'Bad Media Description':
    case 'WebRTC Error':
      return 'media';
    case 'Authentication Error':
      return 'auth';
    default:
      return 'failed';
  }
}
