"""Cognito for moto's CloudFormation, which has none (moto 5.2.5 skips AWS::Cognito::*
resources, and fails the stack on an output that names one): the user pool, its app
clients and groups of infra/template.yaml are made in moto's own Cognito, from the
template's properties, as CloudFormation would make them in AWS. Imported by the
harnesses that build the stack on moto in their own process (tests/conftest.py), and by
`local.moto_server`, moto's server with these in it (`make run`, the benchmarks)."""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.common_models import CloudFormationModel


def _backend(account_id: str, region_name: str) -> Any:
    return cognitoidp_backends[account_id][region_name]


class _Kept:
    """A resource an update leaves as it is and a delete leaves to the pool's own end."""

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> Any:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        return None


# Each a direct subclass of CloudFormationModel: moto lists its resource types by __subclasses__().
class UserPool(_Kept, CloudFormationModel):
    """AWS::Cognito::UserPool: Ref is its id; GetAtt Arn, ProviderName, ProviderURL."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @property
    def physical_resource_id(self) -> str:
        return str(self.pool.id)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        issuer = f"cognito-idp.{self.pool.region}.amazonaws.com/{self.pool.id}"
        return {
            "Arn": self.pool.arn,
            "ProviderName": issuer,
            "ProviderURL": f"https://{issuer}",
            "UserPoolId": self.pool.id,
        }[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> UserPool:
        properties = dict(cloudformation_json.get("Properties", {}))
        name = properties.pop("UserPoolName", resource_name)
        return cls(_backend(account_id, region_name).create_user_pool(name, properties))


class UserPoolClient(_Kept, CloudFormationModel):
    """AWS::Cognito::UserPoolClient: Ref is its client id."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ClientName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ClientId", "Name")

    @property
    def physical_resource_id(self) -> str:
        return str(self.client.id)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return {"ClientId": self.client.id, "Name": self.client.extended_config.get("ClientName")}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> UserPoolClient:
        properties = dict(cloudformation_json.get("Properties", {}))
        pool = properties.pop("UserPoolId")
        secret = bool(properties.pop("GenerateSecret", False))
        return cls(_backend(account_id, region_name).create_user_pool_client(pool, secret, properties))


class UserPoolGroup(_Kept, CloudFormationModel):
    """AWS::Cognito::UserPoolGroup: Ref is its name."""

    def __init__(self, group: Any) -> None:
        self.group = group

    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolGroup"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        raise KeyError(attribute_name)

    @property
    def physical_resource_id(self) -> str:
        return str(self.group.group_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> UserPoolGroup:
        properties = cloudformation_json.get("Properties", {})
        group = _backend(account_id, region_name).create_group(
            properties["UserPoolId"],
            properties.get("GroupName", resource_name),
            properties.get("Description"),
            properties.get("RoleArn"),
            properties.get("Precedence"),
        )
        return cls(group)


# moto reads its list of resource types once: read it again with these in it.
for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
    cached.cache_clear()
