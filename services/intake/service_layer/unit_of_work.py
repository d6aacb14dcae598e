from services.intake.adapters.repository import (
    ApplicationRepository,
    BatchRepository,
    EnterpriseRepository,
    InstitutionRepository,
    NeedRepository,
    ResearcherRepository,
)
from shared.unit_of_work import SqlAlchemyUnitOfWork


class IntakeUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.institutions = InstitutionRepository(self.session)
        self.researchers = ResearcherRepository(self.session)
        self.enterprises = EnterpriseRepository(self.session)
        self.batches = BatchRepository(self.session)
        self.needs = NeedRepository(self.session)
        self.applications = ApplicationRepository(self.session)
