// Rekognition's exceptions, named after the AWS exception they carry, with AWS's own messages.
// They become the wire shape in exactly one place: rekognitionErrorBody.
import { AwsServiceError } from '../aws-json-protocol.js';

export class InvalidParameterError extends AwsServiceError {
  constructor(message = 'Request has invalid parameters.') {
    super('InvalidParameterException', message);
  }
}

/** SearchFacesByImage and CompareFaces with a picture in which no face was found. */
export class NoFacesInImageError extends InvalidParameterError {
  constructor() {
    super('There are no faces in the image. Should be at least 1.');
  }
}

export class InvalidImageFormatError extends AwsServiceError {
  constructor() {
    super('InvalidImageFormatException', 'Request has invalid image format.');
  }
}

export class ImageTooLargeError extends AwsServiceError {
  constructor() {
    super('ImageTooLargeException', 'Image size is too large.');
  }
}

export class InvalidS3ObjectError extends AwsServiceError {
  constructor() {
    super('InvalidS3ObjectException', 'Unable to get object metadata from S3. Check object key, region and/or access permissions.');
  }
}

export class ResourceNotFoundError extends AwsServiceError {
  constructor(collectionId: string) {
    super('ResourceNotFoundException', `The collection id: ${collectionId} does not exist`);
  }
}

export class ResourceAlreadyExistsError extends AwsServiceError {
  constructor(collectionId: string) {
    super('ResourceAlreadyExistsException', `The collection id: ${collectionId} already exists.`);
  }
}

export class InvalidPaginationTokenError extends AwsServiceError {
  constructor() {
    super('InvalidPaginationTokenException', 'Invalid Token');
  }
}

export class InternalServerError extends AwsServiceError {
  constructor() {
    super('InternalServerError', 'Internal server error', 500);
  }
}

/** Rekognition's error body: the code twice (`__type` and `Code`) and `Message` capitalised. */
export function rekognitionErrorBody(error: AwsServiceError): Record<string, unknown> {
  return { __type: error.code, Code: error.code, Message: error.message };
}
