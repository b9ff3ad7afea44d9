"""Seed a moto_server with a large IAM account for bench/scan.sh.

N users (default 1000), each with one access key; every 2nd with a console
password; every 20th with AdministratorAccess attached; every user in one
of 10 groups (team-00..team-09, ReadOnlyAccess attached to each). A CIS
password policy. Uses boto3 from moto's virtualenv, with a thread pool, and
prints the number of calls and the time it took.

    python bench/seed_users.py --endpoint http://127.0.0.1:5000 [--users 1000] [--threads 8]
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
GROUPS = [f"team-{i:02d}" for i in range(10)]


def client(endpoint):
    return boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=32),
    )


def seed_user(iam, i):
    name = f"user-{i:04d}"
    iam.create_user(UserName=name, Path="/staff/")
    iam.create_access_key(UserName=name)
    calls = 2
    if i % 2 == 0:
        iam.create_login_profile(UserName=name, Password="Bench-Password-0001!")
        calls += 1
    if i % 20 == 0:
        iam.attach_user_policy(UserName=name, PolicyArn=ADMIN)
        calls += 1
    iam.add_user_to_group(GroupName=GROUPS[i % len(GROUPS)], UserName=name)
    return calls + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    start = time.monotonic()
    iam = client(args.endpoint)
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    for g in GROUPS:
        iam.create_group(GroupName=g)
        iam.attach_group_policy(GroupName=g, PolicyArn=READ_ONLY)
    calls = 1 + 2 * len(GROUPS)
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        calls += sum(pool.map(lambda i: seed_user(iam, i), range(args.users)))
    took = time.monotonic() - start
    print(f"seeded {args.users} users ({calls} calls) in {took:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
