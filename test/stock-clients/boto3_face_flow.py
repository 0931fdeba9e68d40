"""The whole face flow with boto3, as a Python app developer would write it against the kit.

Usage: python3 boto3_face_flow.py ENDPOINT EMAIL ENROL_PHOTO SIGNIN_PHOTO
Credentials and region come from the environment (AWS_ACCESS_KEY_ID=test ...), the endpoint from
the argument. Prints one JSON object describing what happened; never prints tokens or URLs.
"""
import json
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, email, enrol_photo, signin_photo = sys.argv[1:5]
cognito = boto3.client("cognito-idp", endpoint_url=endpoint)
result = {}

pools = cognito.list_user_pools(MaxResults=10)["UserPools"]
pool_id = pools[0]["Id"]
result["requestId"] = cognito.describe_user_pool(UserPoolId=pool_id)["ResponseMetadata"]["RequestId"]
client_id = cognito.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"][0]["ClientId"]
result["explicitAuthFlows"] = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]["ExplicitAuthFlows"]


def latest_code(address, since):
    deadline = time.time() + 10
    while time.time() < deadline:
        with urllib.request.urlopen(f"{endpoint}/_sim/emails?to={urllib.parse.quote(address)}") as response:
            for message in reversed(json.load(response)):
                words = [word for word in message["body"].replace("<", " ").replace(">", " ").split() if word.isdigit() and len(word) == 6]
                if words:
                    return words[0]
        time.sleep(0.2)
    raise RuntimeError(f"no code for {address}")


def upload(parameters, path, content_type=None):
    """Posts the photo with the challenge's upload form (S3's POST Object): its fields as they are,
    then the photo as the last part, multipart-encoded with the standard library alone."""
    fields = dict(json.loads(parameters["uploadFormFields"]))
    if content_type:
        fields["Content-Type"] = content_type
    boundary = secrets.token_hex(16)
    with open(path, "rb") as photo:
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\n\r\n'.encode()
                     + photo.read() + f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(parameters["uploadFormUrl"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as response:
        return response.status


def put(url, path):
    """A plain PUT of a file to a presigned URL."""
    with open(path, "rb") as photo:
        request = urllib.request.Request(url, data=photo.read(), method="PUT")
    with urllib.request.urlopen(request) as response:
        return response.status


def respond(session, username, answer, metadata=None):
    return cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=session,
        ChallengeResponses={"USERNAME": username, "ANSWER": answer},
        **({"ClientMetadata": metadata} if metadata else {}),
    )


# Sign-up with a password nobody uses, confirm with the emailed code and a one-time enrolment secret.
sub = cognito.sign_up(ClientId=client_id, Username=email, Password=secrets.token_urlsafe(24) + "aA1!",
                      UserAttributes=[{"Name": "email", "Value": email}])["UserSub"]
enrol_secret = secrets.token_urlsafe(32)
cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=latest_code(email, 0),
                        ClientMetadata={"enrolSecret": enrol_secret})

# Enrolment: every session starts with FACE_MATCH; answering it with the ENROL intent (and the
# secret) leads to MAILBOX_PROOF, answered with the secret, then ENROL_FACE with the photo uploaded.
challenges = []
step = cognito.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email})
while "AuthenticationResult" not in step:
    parameters = step["ChallengeParameters"]
    challenges.append(parameters["challenge"])
    if parameters["challenge"] == "FACE_MATCH":
        step = respond(step["Session"], parameters["USERNAME"], "ENROL", {"intent": "ENROL", "enrolSecret": enrol_secret})
    elif parameters["challenge"] == "MAILBOX_PROOF":
        step = respond(step["Session"], parameters["USERNAME"], enrol_secret, {"enrolSecret": enrol_secret})
    else:
        upload(parameters, enrol_photo, "image/jpeg")
        step = respond(step["Session"], parameters["USERNAME"], "uploaded")
result["enrolment"] = challenges

# Sign-in: FACE_MATCH with another photo of the same person, uploaded as a Python user would at
# first: no Content-Type field in the form.
step = cognito.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email})
result["signIn"] = [step["ChallengeParameters"]["challenge"]]
upload(step["ChallengeParameters"], signin_photo)
step = respond(step["Session"], step["ChallengeParameters"]["USERNAME"], "uploaded")
tokens = step["AuthenticationResult"]
result["tokenType"] = tokens["TokenType"]
result["getUserSub"] = next(a["Value"] for a in cognito.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"] if a["Name"] == "sub")
result["signedUpSub"] = sub
result["listedEmails"] = [next(a["Value"] for a in u["Attributes"] if a["Name"] == "email")
                          for u in cognito.list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')["Users"]]

# S3 presigned URLs: boto3's default in us-east-1 may be SigV2 (older botocore), which S3 refuses
# for buckets created after June 2020 (docs/s3.md); SigV4 (signature_version="s3v4") works.
with urllib.request.urlopen(f"{endpoint}/_sim/outputs") as response:
    bucket = next(iter(json.load(response).values()))["BucketName"]
path_style = {"addressing_style": "path"}  # one local host name: no virtual-hosted buckets
for name, config in (("default", Config(s3=path_style)), ("s3v4", Config(signature_version="s3v4", s3=path_style))):
    s3 = boto3.client("s3", endpoint_url=endpoint, config=config)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": f"stock-tools/{name}"}, ExpiresIn=60)
    entry = {"sigV2": "Signature=" in url and "X-Amz-Signature" not in url}
    try:
        entry["status"] = put(url, signin_photo)
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        entry["status"] = error.code
        entry["code"] = body.split("<Code>")[1].split("</Code>")[0] if "<Code>" in body else None
        entry["requestId"] = error.headers.get("x-amz-request-id")
    result[f"presigned_{name}"] = entry

# An error carries its request id too.
try:
    cognito.describe_user_pool(UserPoolId="us-east-1_Nopool123")
except ClientError as error:
    result["errorCode"] = error.response["Error"]["Code"]
    result["errorRequestId"] = error.response["ResponseMetadata"].get("RequestId")

print(json.dumps(result))
